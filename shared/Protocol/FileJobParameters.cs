using MessagePack;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// <c>"file"</c>: decode the image at <see cref="InputPath"/>, apply the table, write <see cref="OutputPath"/>
/// atomically. Payload nil; the Result's payload is a <see cref="FileJobResult"/> map.
/// </summary>
/// <param name="Ev">"ev", as for <see cref="LutTileParameters"/>.</param>
/// <param name="Gamma">"gamma", as for <see cref="LutTileParameters"/>.</param>
/// <param name="InputPath">"input_path": a JPEG or PNG file the worker can read.</param>
/// <param name="OutputPath">"output_path": where to write; its extension picks the format.</param>
/// <param name="Quality">"quality": JPEG quality 1..100; absent on the wire means <see cref="DefaultQuality"/>.</param>
/// <param name="MaxPixels">"max_pixels": images declaring more are refused; absent means <see cref="ImageFile.DefaultMaxPixels"/>.</param>
/// <param name="Codec">"codec": who reads and writes JPEG and PNG, <c>"auto"</c>, <c>"native"</c> or <c>"imagesharp"</c>; absent means auto.</param>
public sealed record FileJobParameters(
    double Ev,
    double Gamma,
    string InputPath,
    string OutputPath,
    int Quality = FileJobParameters.DefaultQuality,
    long MaxPixels = ImageFile.DefaultMaxPixels,
    CodecChoice Codec = CodecChoice.Auto) : JobParameters
{
    /// <summary>The JPEG quality when the job does not say.</summary>
    public const int DefaultQuality = 90;

    private const ParameterKeys Required = ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.InputPath | ParameterKeys.OutputPath;

    /// <inheritdoc/>
    public override JobKind Kind => JobKind.File;

    /// <inheritdoc/>
    public override PayloadRule Payload => PayloadRule.Nil;

    internal override void Write(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(4 + EncodingKeyCount(Codec));
        LutTileParameters.WriteExposure(ref writer, Ev, Gamma);
        writer.WriteString("input_path"u8);
        writer.Write(InputPath);
        writer.WriteString("output_path"u8);
        writer.Write(OutputPath);
        WriteEncoding(ref writer, Quality, MaxPixels, Codec);
    }

    /// <summary>Keys <see cref="WriteEncoding"/> writes: quality and max_pixels, and codec unless auto.</summary>
    internal static int EncodingKeyCount(CodecChoice codec) => codec == CodecChoice.Auto ? 2 : 3;

    /// <summary>The keys both file job kinds share: "quality", "max_pixels" and, unless auto, "codec".</summary>
    internal static void WriteEncoding(ref MessagePackWriter writer, int quality, long maxPixels, CodecChoice codec)
    {
        writer.WriteString("quality"u8);
        writer.Write(quality);
        writer.WriteString("max_pixels"u8);
        writer.Write(maxPixels);
        if (codec != CodecChoice.Auto)
        {
            writer.WriteString("codec"u8);
            writer.Write(ImageCodecs.Name(codec));
        }
    }

    /// <summary>Those keys as read: absent quality and max_pixels take their defaults, each range-checked.</summary>
    /// <exception cref="ProtocolException">A value out of range, or an unknown codec (InvalidArgument).</exception>
    internal static (int Quality, long MaxPixels, CodecChoice Codec) ReadEncoding(in ParameterMap map) => (
        (map.Present & ParameterKeys.Quality) != 0 ? (int)ParameterMap.InRange(map.Quality, 1, 100, ParameterKeys.Quality) : DefaultQuality,
        (map.Present & ParameterKeys.MaxPixels) != 0 ? ParameterMap.InRange(map.MaxPixels, 1, long.MaxValue, ParameterKeys.MaxPixels) : ImageFile.DefaultMaxPixels,
        ParseCodec(map.Codec));

    internal static FileJobParameters From(in ParameterMap map)
    {
        map.Require(Required, JobKind.File);
        var (ev, gamma) = map.Exposure();
        string input = ParameterMap.Path(map.InputPath, ParameterKeys.InputPath);
        string output = ParameterMap.Path(map.OutputPath, ParameterKeys.OutputPath);
        var (quality, maxPixels, codec) = ReadEncoding(map);
        return new FileJobParameters(ev, gamma, input, output, quality, maxPixels, codec);
    }

    /// <summary>"codec" as read: absent is auto; empty or another name is InvalidArgument.</summary>
    internal static CodecChoice ParseCodec(string? name) =>
        name is null ? CodecChoice.Auto
        : name.Length > 0 && ImageCodecs.TryParseChoice(name, out var codec) ? codec
            : throw new ProtocolException(ErrorCode.InvalidArgument, $"'codec' must be auto, native or imagesharp, not '{name}'");
}
