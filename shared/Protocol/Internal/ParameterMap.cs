using System.Buffers;
using System.Globalization;
using MessagePack;
using ProcessFarm.Shared.MessagePack;

namespace ProcessFarm.Shared.Protocol.Internal;

/// <summary>
/// A job's parameter map as read, before its kind checks ranges: every known key's value by the key's type,
/// integers exactly (any width, any sign), and which keys were present.
/// </summary>
/// <remarks>
/// A value of the wrong MessagePack type is Malformed (thrown as the library's decoding exceptions, which the frame
/// reader maps); a missing key or a value out of range is the kind's InvalidArgument. Keys must be str; a key the
/// kind does not take is skipped, whatever its value. A key given twice is InvalidArgument.
/// </remarks>
internal struct ParameterMap
{
    public ParameterKeys Present;
    public double Ev;
    public double Gamma;
    public Int128 Width;
    public Int128 Rows;
    public Int128 Channels;
    public Int128 Offset;
    public Int128 OutputOffset;
    public Int128 Length;
    public Int128 Quality;
    public Int128 MaxPixels;
    public Int128 N;
    public Int128 Bits;
    public Int128 MaxBytes;
    public string? InputPath;
    public string? OutputPath;
    public string? Codec;
    public string? OutputExtension;

    public static ParameterMap Read(ref MessagePackReader reader, ParameterKeys accepted)
    {
        if (reader.NextMessagePackType != MessagePackType.Map)
        {
            throw new MessagePackSerializationException($"A job's params must be a map, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");
        }
        var map = default(ParameterMap);
        for (int pairs = reader.ReadMapHeader(); pairs > 0; pairs--)
        {
            if (reader.NextMessagePackType != MessagePackType.String)
            {
                throw new MessagePackSerializationException($"A params key must be a str, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");
            }
            var key = KeyOf(reader.ReadStringSequence()!.Value) & accepted;
            if (key == ParameterKeys.None)
            {
                MessagePackReading.SkipValue(ref reader, ProtocolLimits.MaxDepth);
                continue;
            }
            if ((map.Present & key) != 0)
            {
                throw new ProtocolException(ErrorCode.InvalidArgument, $"the key '{NameOf(key)}' appears twice in params");
            }
            map.Present |= key;
            map.ReadValue(key, ref reader);
        }
        return map;
    }

    /// <summary>Throws InvalidArgument naming every key of <paramref name="required"/> that is missing.</summary>
    public readonly void Require(ParameterKeys required, JobKind kind)
    {
        var missing = required & ~Present;
        if (missing != ParameterKeys.None)
        {
            var names = Enum.GetValues<ParameterKeys>().Where(k => k != ParameterKeys.None && missing.HasFlag(k)).Select(k => $"'{NameOf(k)}'");
            throw new ProtocolException(ErrorCode.InvalidArgument,
                $"a {System.Text.Encoding.UTF8.GetString(JobParameters.WireName(kind))} job needs {string.Join(", ", names)} in params");
        }
    }

    /// <summary>An integer parameter that must lie in [<paramref name="min"/>, <paramref name="max"/>], else InvalidArgument.</summary>
    public static long InRange(Int128 value, long min, long max, ParameterKeys key) =>
        value >= min && value <= max
            ? (long)value
            : throw new ProtocolException(ErrorCode.InvalidArgument,
                string.Create(CultureInfo.InvariantCulture, $"'{NameOf(key)}' must be an integer from {min} to {max}, not {value}"));

    /// <summary>
    /// A place in the region: negative is InvalidArgument; anything from 2^63 on is kept as 2^63 - 1, which no
    /// region reaches, so the bounds check answers OutOfRange as for any other place outside.
    /// </summary>
    public static long Place(Int128 value, ParameterKeys key) =>
        value < 0
            ? throw new ProtocolException(ErrorCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"'{NameOf(key)}' must not be negative, not {value}"))
            : value > long.MaxValue ? long.MaxValue : (long)value;

    /// <summary>ev and gamma: finite, gamma above 0, else InvalidArgument.</summary>
    public readonly (double Ev, double Gamma) Exposure()
    {
        if (!double.IsFinite(Ev) || !double.IsFinite(Gamma) || Gamma <= 0)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument,
                string.Create(CultureInfo.InvariantCulture, $"ev and gamma must be finite and gamma above 0, not ev {Ev}, gamma {Gamma}"));
        }
        return (Ev, Gamma);
    }

    /// <summary>A path: non-empty, without NUL (which the C library would take for the end), else InvalidArgument.</summary>
    public static string Path(string? value, ParameterKeys key) =>
        string.IsNullOrEmpty(value) || value.Contains('\0', StringComparison.Ordinal)
            ? throw new ProtocolException(ErrorCode.InvalidArgument, $"'{NameOf(key)}' must be a non-empty path without NUL characters")
            : value;

    public static string NameOf(ParameterKeys key) => key switch
    {
        ParameterKeys.Ev => "ev",
        ParameterKeys.Gamma => "gamma",
        ParameterKeys.Width => "width",
        ParameterKeys.Rows => "rows",
        ParameterKeys.Channels => "channels",
        ParameterKeys.Offset => "offset",
        ParameterKeys.OutputOffset => "output_offset",
        ParameterKeys.Length => "length",
        ParameterKeys.InputPath => "input_path",
        ParameterKeys.OutputPath => "output_path",
        ParameterKeys.Quality => "quality",
        ParameterKeys.MaxPixels => "max_pixels",
        ParameterKeys.N => "n",
        ParameterKeys.Bits => "bits",
        ParameterKeys.Codec => "codec",
        ParameterKeys.OutputExtension => "output_extension",
        ParameterKeys.MaxBytes => "max_bytes",
        _ => "?",
    };

    private void ReadValue(ParameterKeys key, ref MessagePackReader reader)
    {
        switch (key)
        {
            case ParameterKeys.Ev:
                Ev = ReadNumber(ref reader, key);
                break;
            case ParameterKeys.Gamma:
                Gamma = ReadNumber(ref reader, key);
                break;
            case ParameterKeys.InputPath:
                InputPath = ReadText(ref reader, key);
                break;
            case ParameterKeys.OutputPath:
                OutputPath = ReadText(ref reader, key);
                break;
            case ParameterKeys.Codec:
                Codec = ReadText(ref reader, key);
                break;
            case ParameterKeys.OutputExtension:
                OutputExtension = ReadText(ref reader, key);
                break;
            default:
                var value = MessagePackReading.ReadInteger(ref reader);
                switch (key)
                {
                    case ParameterKeys.Width: Width = value; break;
                    case ParameterKeys.Rows: Rows = value; break;
                    case ParameterKeys.Channels: Channels = value; break;
                    case ParameterKeys.Offset: Offset = value; break;
                    case ParameterKeys.OutputOffset: OutputOffset = value; break;
                    case ParameterKeys.Length: Length = value; break;
                    case ParameterKeys.Quality: Quality = value; break;
                    case ParameterKeys.MaxPixels: MaxPixels = value; break;
                    case ParameterKeys.Bits: Bits = value; break;
                    case ParameterKeys.MaxBytes: MaxBytes = value; break;
                    default: N = value; break;
                }
                break;
        }
    }

    /// <summary>A float, or an integer (JavaScript libraries write whole doubles as integers).</summary>
    private static double ReadNumber(ref MessagePackReader reader, ParameterKeys key) =>
        reader.NextMessagePackType is MessagePackType.Float or MessagePackType.Integer
            ? reader.ReadDouble()
            : throw new MessagePackSerializationException($"'{NameOf(key)}' must be a number, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");

    private static string ReadText(ref MessagePackReader reader, ParameterKeys key) =>
        reader.NextMessagePackType == MessagePackType.String
            ? MessagePackReading.ReadStrictString(ref reader)!
            : throw new MessagePackSerializationException($"'{NameOf(key)}' must be a str, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");

    private static ParameterKeys KeyOf(ReadOnlySequence<byte> name)
    {
        if (name.Length > 16)
        {
            return ParameterKeys.None;
        }
        return name.IsSingleSegment ? KeyOf(name.FirstSpan) : KeyOf(name.ToArray());
    }

    private static ParameterKeys KeyOf(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("ev"u8) => ParameterKeys.Ev,
        _ when name.SequenceEqual("gamma"u8) => ParameterKeys.Gamma,
        _ when name.SequenceEqual("width"u8) => ParameterKeys.Width,
        _ when name.SequenceEqual("rows"u8) => ParameterKeys.Rows,
        _ when name.SequenceEqual("channels"u8) => ParameterKeys.Channels,
        _ when name.SequenceEqual("offset"u8) => ParameterKeys.Offset,
        _ when name.SequenceEqual("output_offset"u8) => ParameterKeys.OutputOffset,
        _ when name.SequenceEqual("length"u8) => ParameterKeys.Length,
        _ when name.SequenceEqual("input_path"u8) => ParameterKeys.InputPath,
        _ when name.SequenceEqual("output_path"u8) => ParameterKeys.OutputPath,
        _ when name.SequenceEqual("quality"u8) => ParameterKeys.Quality,
        _ when name.SequenceEqual("max_pixels"u8) => ParameterKeys.MaxPixels,
        _ when name.SequenceEqual("n"u8) => ParameterKeys.N,
        _ when name.SequenceEqual("bits"u8) => ParameterKeys.Bits,
        _ when name.SequenceEqual("codec"u8) => ParameterKeys.Codec,
        _ when name.SequenceEqual("output_extension"u8) => ParameterKeys.OutputExtension,
        _ when name.SequenceEqual("max_bytes"u8) => ParameterKeys.MaxBytes,
        _ => ParameterKeys.None,
    };
}
