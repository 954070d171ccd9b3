using MessagePack;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// <c>"file_bytes"</c>: a <c>file</c> job for a worker that cannot see the coordinator's files. The payload is the
/// encoded input file as a bin; the Result's payload is the <see cref="FileJobResult"/> map with the encoded output
/// under <c>"output"</c>. The worker decodes from that memory and encodes to memory: no file of its own is written.
/// </summary>
/// <param name="Ev">"ev", as for <see cref="LutTileParameters"/>.</param>
/// <param name="Gamma">"gamma", as for <see cref="LutTileParameters"/>.</param>
/// <param name="OutputExtension">
/// "output_extension": the output's extension with its dot, any case (<c>".jpg"</c>, <c>".PNG"</c>, ...), which picks
/// the output format as <c>output_path</c>'s does for a file job. The input's format comes from its content.
/// </param>
/// <param name="Quality">"quality", as for <see cref="FileJobParameters"/>.</param>
/// <param name="MaxPixels">"max_pixels", as for <see cref="FileJobParameters"/>.</param>
/// <param name="Codec">"codec", as for <see cref="FileJobParameters"/>.</param>
/// <param name="MaxBytes">
/// "max_bytes": the most bytes the input payload and the encoded output may have, 1 ..
/// <see cref="ProtocolLimits.MaxFileBytes"/>; absent means that limit.
/// </param>
public sealed record FileBytesJobParameters(
    double Ev,
    double Gamma,
    string OutputExtension,
    int Quality = FileJobParameters.DefaultQuality,
    long MaxPixels = ImageFile.DefaultMaxPixels,
    CodecChoice Codec = CodecChoice.Auto,
    int MaxBytes = ProtocolLimits.MaxFileBytes) : JobParameters
{
    private const ParameterKeys Required = ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.OutputExtension;

    /// <inheritdoc/>
    public override JobKind Kind => JobKind.FileBytes;

    /// <inheritdoc/>
    public override PayloadRule Payload => PayloadRule.Bin;

    internal override void Write(ref MessagePackWriter writer)
    {
        bool limited = MaxBytes != ProtocolLimits.MaxFileBytes;
        writer.WriteMapHeader(3 + FileJobParameters.EncodingKeyCount(Codec) + (limited ? 1 : 0));
        LutTileParameters.WriteExposure(ref writer, Ev, Gamma);
        writer.WriteString("output_extension"u8);
        writer.Write(OutputExtension);
        FileJobParameters.WriteEncoding(ref writer, Quality, MaxPixels, Codec);
        if (limited)
        {
            writer.WriteString("max_bytes"u8);
            writer.Write(MaxBytes);
        }
    }

    internal static FileBytesJobParameters From(in ParameterMap map)
    {
        map.Require(Required, JobKind.FileBytes);
        var (ev, gamma) = map.Exposure();
        string extension = map.OutputExtension!;
        if (!extension.StartsWith('.') || !ImageFormats.Extensions.Contains(extension.ToLowerInvariant()))
        {
            throw new ProtocolException(ErrorCode.InvalidArgument,
                $"'output_extension' must be one of {string.Join(", ", ImageFormats.Extensions)} (any case), not '{(extension.Length > 16 ? extension[..16] + "..." : extension)}'");
        }
        var (quality, maxPixels, codec) = FileJobParameters.ReadEncoding(map);
        return new FileBytesJobParameters(
            ev,
            gamma,
            extension,
            quality,
            maxPixels,
            codec,
            (map.Present & ParameterKeys.MaxBytes) != 0 ? (int)ParameterMap.InRange(map.MaxBytes, 1, ProtocolLimits.MaxFileBytes, ParameterKeys.MaxBytes) : ProtocolLimits.MaxFileBytes);
    }
}
