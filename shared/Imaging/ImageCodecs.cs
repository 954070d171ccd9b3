using ProcessFarm.Shared.Imaging.Internal;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// The codec seam: which library reads a file (chosen by its content, never its name) and which writes an output
/// (chosen by the output's extension). libjpeg-turbo and libpng for JPEG and PNG, which they stream by strips and
/// do faster; ImageSharp 2.1 for every other format and for CMYK/YCCK JPEG; <see cref="CodecChoice"/> overrides
/// the choice for JPEG and PNG.
/// </summary>
public static class ImageCodecs
{
    /// <summary>The names <c>--codec</c> accepts.</summary>
    public static IReadOnlyList<string> ChoiceNames { get; } = ["auto", "native", "imagesharp"];

    /// <summary>Parses a codec name; null or empty is <see cref="CodecChoice.Auto"/>.</summary>
    public static bool TryParseChoice(string? name, out CodecChoice choice)
    {
        choice = name switch
        {
            null or "" or "auto" => CodecChoice.Auto,
            "native" => CodecChoice.Native,
            "imagesharp" => CodecChoice.ImageSharp,
            _ => (CodecChoice)(-1),
        };
        return Enum.IsDefined(choice);
    }

    /// <summary>The name <c>--codec</c> uses for <paramref name="choice"/>.</summary>
    public static string Name(CodecChoice choice) => ChoiceNames[(int)choice];

    /// <summary>Opens an encoded image with the codec its content calls for.</summary>
    /// <param name="data">The whole file; the reader keeps it until disposed.</param>
    /// <param name="codec">Which codec handles JPEG and PNG.</param>
    /// <param name="maxPixels">Images declaring more pixels are refused before any pixel memory is allocated.</param>
    /// <exception cref="InvalidImageException">Empty, not an image this program reads, corrupt, truncated or too large.</exception>
    public static IImageReader OpenReader(byte[] data, CodecChoice codec, long maxPixels)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        if (data.Length == 0)
        {
            throw new InvalidImageException(NativeStatus.Format, "the file is empty");
        }
        var format = ImageFormats.Detect(data);
        bool native = format is FileFormat.Jpeg or FileFormat.Png && codec != CodecChoice.ImageSharp
            && !(format == FileFormat.Jpeg && codec == CodecChoice.Auto && ImageFormats.IsFourComponentJpeg(data));
        if (native)
        {
            return new NativeImageReader(ImageDecoder.Open(data, maxPixels));
        }
        return ImageSharpReader.Open(data, format, maxPixels);
    }

    /// <summary>
    /// A writer for <paramref name="outputPath"/>'s format that keeps what <paramref name="header"/> describes
    /// (layout, palette, metadata) as far as the format holds it.
    /// </summary>
    /// <exception cref="OutputFormatException">The extension names no format this program writes.</exception>
    public static IImageWriter CreateWriter(string outputPath, ImageHeader header, CodecChoice codec, int quality)
    {
        ArgumentNullException.ThrowIfNull(header);
        var format = ImageFile.RequireOutputFormat(outputPath);
        string extension = Path.GetExtension(outputPath).ToLowerInvariant();
        if (format is FileFormat.Jpeg or FileFormat.Png && codec != CodecChoice.ImageSharp)
        {
            return new NativeImageWriter(format, header, quality);
        }
        return new ImageSharpWriter(format, extension, header, quality);
    }

    /// <summary>What an output in <paramref name="outputPath"/>'s format keeps of an image of <paramref name="layout"/>.</summary>
    public static PixelLayout OutputLayout(string outputPath, PixelLayout layout)
    {
        var format = ImageFormats.FromExtension(outputPath);
        return format == FileFormat.Jpeg ? new PixelLayout(layout.IsColour ? 3 : 1)
            : format is FileFormat.Png or FileFormat.Unknown ? layout
            : ImageSharpWriter.TargetLayout(format, Path.GetExtension(outputPath).ToLowerInvariant(), layout);
    }
}
