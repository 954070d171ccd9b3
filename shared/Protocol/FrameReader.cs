using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ProcessFarm.Shared.MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// Finds frames in received bytes and parses their bodies (docs/PROTOCOL.md). Counterpart of
/// <see cref="FrameWriter"/>. Every malformed input becomes a <see cref="ProtocolException"/>.
/// </summary>
public static class FrameReader
{
    /// <summary>
    /// Takes one complete frame off the front of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="buffer">Received bytes; on success, advanced past the frame.</param>
    /// <param name="body">The frame's body (without its length), slicing <paramref name="buffer"/>.</param>
    /// <returns>False when the frame is not complete yet: read more and call again.</returns>
    /// <exception cref="ProtocolException">The declared length exceeds <see cref="ProtocolLimits.MaxFrameBytes"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> body)
    {
        body = default;
        if (buffer.Length < ProtocolLimits.FrameHeaderSize)
        {
            return false;
        }

        uint length;
        if (buffer.FirstSpan.Length >= ProtocolLimits.FrameHeaderSize)
        {
            length = BinaryPrimitives.ReadUInt32BigEndian(buffer.FirstSpan);
        }
        else
        {
            Span<byte> prefix = stackalloc byte[ProtocolLimits.FrameHeaderSize];
            buffer.Slice(0, ProtocolLimits.FrameHeaderSize).CopyTo(prefix);
            length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        }

        if (length > ProtocolLimits.MaxFrameBytes)
        {
            throw new ProtocolException(ErrorCode.FrameTooLarge, $"A frame declares {length} bytes; the limit is {ProtocolLimits.MaxFrameBytes}.");
        }
        if (buffer.Length - ProtocolLimits.FrameHeaderSize < length)
        {
            return false;
        }

        body = buffer.Slice(ProtocolLimits.FrameHeaderSize, length);
        buffer = buffer.Slice(body.End);
        return true;
    }

    /// <summary>The message type of a frame body, without parsing the rest.</summary>
    public static MessageType ReadType(ReadOnlySequence<byte> body)
    {
        var reader = new MessagePackReader(body);
        return Guard(ref reader, static (ref MessagePackReader r) => ReadHeader(ref r, out _));
    }

    /// <summary>Parses Hello.</summary>
    public static HelloMessage ReadHello(ReadOnlySequence<byte> body) => Parse(body, MessageType.Hello, 6, static (ref MessagePackReader r) =>
    {
        uint version = r.ReadUInt32();
        uint workerId = r.ReadUInt32();
        int processId = r.ReadInt32();
        var secret = r.ReadBytes() ?? throw Malformed("Hello has a nil secret.");
        if (secret.Length > 1024)
        {
            throw Malformed("Hello's secret is implausibly long.");
        }
        string kernel = r.ReadString() ?? string.Empty;
        return new HelloMessage(version, workerId, processId, secret.ToArray(), kernel);
    });

    /// <summary>Parses Welcome and returns the coordinator's protocol version.</summary>
    public static uint ReadWelcome(ReadOnlySequence<byte> body) =>
        Parse(body, MessageType.Welcome, 2, static (ref MessagePackReader r) => r.ReadUInt32());

    /// <summary>Parses Error.</summary>
    public static ErrorMessage ReadError(ReadOnlySequence<byte> body) => Parse(body, MessageType.Error, 4, static (ref MessagePackReader r) =>
    {
        ulong? id = r.TryReadNil() ? null : r.ReadUInt64();
        var code = (ErrorCode)r.ReadUInt32();
        string message = r.ReadString() ?? string.Empty;
        return new ErrorMessage(id, code, message);
    });

    /// <summary>Parses Attach.</summary>
    public static AttachRequest ReadAttach(ReadOnlySequence<byte> body) => Parse(body, MessageType.Attach, 4, ReadMapping);

    /// <summary>Parses Channel (the fields of Attach).</summary>
    public static AttachRequest ReadChannel(ReadOnlySequence<byte> body) => Parse(body, MessageType.Channel, 4, ReadMapping);

    private static AttachRequest ReadMapping(ref MessagePackReader r)
    {
        ulong id = r.ReadUInt64();
        string path = r.ReadString() ?? throw Malformed("Attach and Channel need a path, not nil.");
        long size = r.ReadInt64();
        return new AttachRequest(id, path, size);
    }

    /// <summary>Parses Job; the payload slices <paramref name="body"/>.</summary>
    public static JobRequest ReadJob(ReadOnlySequence<byte> body) => Parse(body, MessageType.Job, 5, static (ref MessagePackReader r) =>
    {
        ulong id = r.ReadUInt64();
        var kind = ReadKind(ref r);
        var parameters = ReadParameters(ref r);
        var encoding = ReadPayload(ref r, out var payload);
        return new JobRequest(id, kind, parameters, encoding, payload);
    });

    /// <summary>Parses Result; the payload slices <paramref name="body"/>.</summary>
    public static JobResult ReadResult(ReadOnlySequence<byte> body) => Parse(body, MessageType.Result, 4, static (ref MessagePackReader r) =>
    {
        ulong id = r.ReadUInt64();
        var encoding = ReadPayload(ref r, out var payload);
        double kernelUs = 0, totalUs = 0;
        for (int pairs = r.ReadMapHeader(); pairs > 0; pairs--)
        {
            var key = r.ReadStringSequence();
            if (Is(key, "kernel_us"u8))
            {
                kernelUs = r.ReadDouble();
            }
            else if (Is(key, "total_us"u8))
            {
                totalUs = r.ReadDouble();
            }
            else
            {
                r.Skip();
            }
        }
        long kernelNs = (long)(kernelUs * 1000), totalNs = (long)(totalUs * 1000);
        return new JobResult(id, new WorkerTimings(kernelNs, totalNs), encoding, payload);
    });

    private delegate T Parser<T>(ref MessagePackReader reader);

    /// <remarks>
    /// <paramref name="parse"/> is a static lambda (one cached delegate per message type), and nothing here
    /// captures state: parsing a frame allocates only what the message itself holds.
    /// </remarks>
    private static T Parse<T>(ReadOnlySequence<byte> body, MessageType expected, int minimumFields, Parser<T> parse)
    {
        var reader = new MessagePackReader(body) { MaxDepth = ProtocolLimits.MaxDepth };
        try
        {
            var type = ReadHeader(ref reader, out int fields);
            if (type != expected)
            {
                throw new ProtocolException(ErrorCode.UnknownKind, $"Expected a {expected} message but received {Describe(type)}.");
            }
            if (fields < minimumFields)
            {
                throw Malformed($"{expected} has {fields} fields; at least {minimumFields} are required.");
            }
            var value = parse(ref reader);
            for (int extra = fields - minimumFields; extra > 0; extra--)
            {
                reader.Skip(); // fields a newer peer added
            }
            if (!reader.End)
            {
                throw Malformed($"{expected} is followed by {reader.Remaining} stray bytes inside its frame.");
            }
            return value;
        }
        catch (MessagePackSerializationException e)
        {
            throw new ProtocolException(ErrorCode.Malformed, "Malformed frame: " + e.Message, e);
        }
    }

    private static T Guard<T>(ref MessagePackReader reader, Parser<T> parse)
    {
        try
        {
            return parse(ref reader);
        }
        catch (MessagePackSerializationException e)
        {
            throw new ProtocolException(ErrorCode.Malformed, "Malformed frame: " + e.Message, e);
        }
    }

    private static MessageType ReadHeader(ref MessagePackReader reader, out int fields)
    {
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            throw Malformed($"A frame body must be an array, not {reader.NextMessagePackType}.");
        }
        fields = reader.ReadArrayHeader();
        if (fields < 1)
        {
            throw Malformed("A frame body is an empty array.");
        }
        return (MessageType)reader.ReadUInt32();
    }

    private static JobKind ReadKind(ref MessagePackReader reader)
    {
        var name = reader.ReadStringSequence();
        if (Is(name, "lut"u8))
        {
            return JobKind.Lut;
        }
        if (Is(name, "echo"u8))
        {
            return JobKind.Echo;
        }
        if (Is(name, "fib"u8))
        {
            return JobKind.Fib;
        }
        if (Is(name, "file"u8))
        {
            return JobKind.File;
        }
        throw new ProtocolException(ErrorCode.UnknownKind, $"Unknown job kind '{Printable(name)}'; expected lut, echo, fib or file.");
    }

    private static JobParameters ReadParameters(ref MessagePackReader reader)
    {
        var parameters = default(JobParameters);
        for (int pairs = reader.ReadMapHeader(); pairs > 0; pairs--)
        {
            var key = reader.ReadStringSequence();
            if (Is(key, "ev"u8))
            {
                parameters = parameters with { Ev = reader.ReadDouble() };
            }
            else if (Is(key, "gamma"u8))
            {
                parameters = parameters with { Gamma = reader.ReadDouble() };
            }
            else if (Is(key, "width"u8))
            {
                parameters = parameters with { Width = reader.ReadInt32() };
            }
            else if (Is(key, "rows"u8))
            {
                parameters = parameters with { Rows = reader.ReadInt32() };
            }
            else if (Is(key, "channels"u8))
            {
                parameters = parameters with { Channels = reader.ReadInt32() };
            }
            else if (Is(key, "bits"u8))
            {
                parameters = parameters with { Bits = reader.ReadInt32() };
            }
            else if (Is(key, "codec"u8))
            {
                parameters = parameters with { Codec = reader.ReadString() };
            }
            else if (Is(key, "offset"u8))
            {
                parameters = parameters with { Offset = reader.ReadInt64() };
            }
            else if (Is(key, "length"u8))
            {
                parameters = parameters with { Length = reader.ReadInt64() };
            }
            else if (Is(key, "output"u8))
            {
                // An offset in the region (shm lut) or a path (file).
                parameters = reader.NextMessagePackType == MessagePackType.String
                    ? parameters with { OutputPath = reader.ReadString() }
                    : parameters with { Output = reader.ReadInt64() };
            }
            else if (Is(key, "input"u8))
            {
                parameters = parameters with { Input = reader.ReadString() };
            }
            else if (Is(key, "quality"u8))
            {
                parameters = parameters with { Quality = reader.ReadInt32() };
            }
            else if (Is(key, "max_pixels"u8))
            {
                parameters = parameters with { MaxPixels = reader.ReadInt64() };
            }
            else if (Is(key, "n"u8))
            {
                parameters = parameters with { N = reader.ReadInt32() };
            }
            else
            {
                reader.Skip();
            }
        }
        return parameters;
    }

    private static PayloadEncoding ReadPayload(ref MessagePackReader reader, out ReadOnlySequence<byte> payload)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                payload = default;
                return PayloadEncoding.None;
            case MessagePackType.Binary:
                payload = reader.ReadBytes()!.Value;
                return PayloadEncoding.Binary;
            default:
                var start = reader.Position;
                reader.Skip(); // validates the whole value, nesting limit included
                payload = reader.Sequence.Slice(start, reader.Position);
                return PayloadEncoding.Value;
        }
    }

    private static bool Is(ReadOnlySequence<byte> key, ReadOnlySpan<byte> name) =>
        key.IsSingleSegment ? key.FirstSpan.SequenceEqual(name) : key.Length == name.Length && key.ToArray().AsSpan().SequenceEqual(name);

    private static string Printable(ReadOnlySequence<byte> text) =>
        text.Length > 64 ? "(a long name)" : Encoding.UTF8.GetString(text);

    private static string Describe(MessageType type) =>
        Enum.IsDefined(type) ? $"a {type} message" : $"unknown message type {(int)type}";

    private static ProtocolException Malformed(string message) => new(ErrorCode.Malformed, message);
}
