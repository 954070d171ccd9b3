using ProcessFarm.Shared.Native;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// Every format libjpeg-turbo and libpng do not cover, through ImageSharp 2.1: <c>Identify</c> first, so that a
/// size over the limit or one the file's bytes cannot describe is refused before any pixel memory; then one
/// decode into the pixel type of the layout kept, under a <see cref="BoundedAllocator"/>; rows are handed out
/// from the decoded image.
/// </summary>
internal sealed class ImageSharpReader : IImageReader
{
    /// <summary>Memory a decoder may take besides the pixels, whatever the image.</summary>
    private const long FixedBudgetBytes = 64L << 20;

    /// <summary>Working memory per pixel a decoder may take besides the pixels (JPEG's coefficients are 2 bytes per sample).</summary>
    private const int WorkingBytesPerPixel = 24;

    private readonly Image _image;

    private ImageSharpReader(Image image, ImageHeader header)
    {
        _image = image;
        Header = header;
    }

    public ImageHeader Header { get; }

    public bool RequiresWholeImage => false;

    public int RowsRead { get; private set; }

    /// <exception cref="InvalidImageException">Not an image ImageSharp reads, corrupt, truncated or too large.</exception>
    public static ImageSharpReader Open(byte[] data, FileFormat format, long maxPixels)
    {
        var identifyConfiguration = Configure(FixedBudgetBytes);
        IImageInfo? info;
        IImageFormat? detected;
        try
        {
            info = Image.Identify(identifyConfiguration, data, out detected);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw Failure(format, e);
        }
        if (info is null || detected is null)
        {
            throw new InvalidImageException(NativeStatus.Format, data.Length == 0 ? "the file is empty" : $"not an image this program reads ({SupportedNames})");
        }
        format = format == FileFormat.Unknown ? FromImageSharp(detected) : format;
        string name = ImageFormats.Name(format);
        long pixels = (long)info.Width * info.Height;
        if (info.Width < 1 || info.Height < 1)
        {
            throw new InvalidImageException(NativeStatus.Format, $"{name} declares {info.Width}x{info.Height} pixels: the file is corrupt");
        }
        if (pixels > maxPixels)
        {
            throw new InvalidImageException(NativeStatus.TooLarge, $"{name} declares {info.Width}x{info.Height} pixels, more than the limit of {maxPixels}");
        }
        if (pixels > data.LongLength * MaxPixelsPerByte(format))
        {
            throw new InvalidImageException(NativeStatus.Format,
                $"{name} declares {info.Width}x{info.Height} pixels but the file has only {data.Length} bytes, too few to hold them: the file is truncated or corrupt");
        }

        ContainerCheck.RequireComplete(format, data, info.Width, info.Height);
        var (decoded, contentDecidesAlpha) = ChooseLayout(format, info);
        long budget = FixedBudgetBytes + (pixels * (decoded.BytesPerPixel + WorkingBytesPerPixel));
        Image image;
        try
        {
            image = ImageSharpPixels.Load(decoded, Configure(budget), data, FirstFrameDecoder(format));
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw Failure(format, e);
        }
        var kept = Refine(format, image, decoded, contentDecidesAlpha);
        var header = new ImageHeader(
            format,
            ImageFile.GeometryOf(image.Width, image.Height, kept.Channels, kept.Bits),
            null,
            MetadataOf(image),
            "ImageSharp",
            format is FileFormat.Gif or FileFormat.Tiff ? $"{name}: the first {(format == FileFormat.Gif ? "frame" : "page")} only" : null)
        {
            Lossy = format == FileFormat.Jpeg || (format == FileFormat.Webp && info.Metadata.GetWebpMetadata().FileFormat == SixLabors.ImageSharp.Formats.Webp.WebpFileFormatType.Lossy),
        };
        return new ImageSharpReader(image, header);
    }

    public int ReadRows(Span<byte> destination, int rowStride, int rows)
    {
        var geometry = Header.Geometry;
        int count = Math.Min(rows, geometry.Height - RowsRead);
        if (count <= 0)
        {
            return 0;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(rowStride, geometry.RowBytes);
        if ((long)(count - 1) * rowStride + geometry.RowBytes > destination.Length)
        {
            throw new ArgumentException("The destination cannot hold the rows asked for.", nameof(destination));
        }
        ImageSharpPixels.ReadRows(_image, RowsRead, count, destination, rowStride, geometry.Layout);
        RowsRead += count;
        return count;
    }

    public void Dispose() => _image.Dispose();

    /// <summary>ImageSharp's settings for untrusted input: the bounded allocator, one thread (the farm has the others).</summary>
    internal static Configuration Configure(long budgetBytes)
    {
        var configuration = Configuration.Default.Clone();
        configuration.MemoryAllocator = new BoundedAllocator(budgetBytes);
        configuration.MaxDegreeOfParallelism = 1;
        return configuration;
    }

    private const string SupportedNames = "JPEG, PNG, GIF, BMP, TIFF, WebP, TGA, PBM/PGM/PPM";

    /// <summary>
    /// The layout decoded into, and whether its alpha is kept only if some pixel uses it (formats that do not say
    /// whether their alpha channel means anything: GIF transparency, 32-bit BMP and TGA, WebP, TIFF extra samples).
    /// </summary>
    private static (PixelLayout Layout, bool ContentDecidesAlpha) ChooseLayout(FileFormat format, IImageInfo info)
    {
        var metadata = info.Metadata;
        switch (format)
        {
            case FileFormat.Jpeg:
                return (new PixelLayout(info.PixelType.BitsPerPixel == 8 ? 1 : 3), false);
            case FileFormat.Png:
            {
                var png = metadata.GetPngMetadata();
                bool grey = png.ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha;
                bool alpha = png.ColorType is PngColorType.GrayscaleWithAlpha or PngColorType.RgbWithAlpha || png.HasTransparency;
                return (new PixelLayout((grey ? 1 : 3) + (alpha ? 1 : 0), png.BitDepth == PngBitDepth.Bit16 ? 16 : 8), false);
            }
            case FileFormat.Pbm:
            {
                var pbm = metadata.GetPbmMetadata();
                return (new PixelLayout(pbm.ColorType == PbmColorType.Rgb ? 3 : 1, pbm.ComponentType == PbmComponentType.Short ? 16 : 8), false);
            }
            case FileFormat.Tiff:
                // 16 bits per pixel is 16-bit grey or 8-bit grey + alpha: decoded wide, narrowed once the page's
                // own metadata says which (Refine).
                return (new PixelLayout(4, info.PixelType.BitsPerPixel is 16 or >= 48 ? 16 : 8), true);
            default:
                return (new PixelLayout(4), true);
        }
    }

    /// <summary>The layout kept of a decoded image: alpha only when some pixel uses it; a TIFF page's grey and depth.</summary>
    private static PixelLayout Refine(FileFormat format, Image image, PixelLayout decoded, bool contentDecidesAlpha)
    {
        bool alpha = decoded.HasAlpha && (!contentDecidesAlpha || ImageSharpPixels.HasTransparency(image));
        bool grey = !decoded.IsColour;
        int bits = decoded.Bits;
        if (format == FileFormat.Tiff)
        {
            var page = image.Frames.RootFrame.Metadata.GetTiffMetadata();
            grey = page.PhotometricInterpretation is TiffPhotometricInterpretation.BlackIsZero or TiffPhotometricInterpretation.WhiteIsZero;
            bits = page.BitsPerSample?.Channel0 == 16 ? 16 : 8;
        }
        return new PixelLayout((grey ? 1 : 3) + (alpha ? 1 : 0), bits);
    }

    private static IImageDecoder? FirstFrameDecoder(FileFormat format) => format switch
    {
        FileFormat.Gif => new GifDecoder { DecodingMode = SixLabors.ImageSharp.Metadata.FrameDecodingMode.First },
        FileFormat.Tiff => new TiffDecoder { DecodingMode = SixLabors.ImageSharp.Metadata.FrameDecodingMode.First },
        _ => null,
    };

    /// <summary>
    /// How many pixels one byte of a file can describe at most, generously: compressed data expands only so far
    /// (deflate 1032-fold, LZW codes of at least 3 bits emit at most 4096 pixels, JPEG needs a bit per 8x8 block),
    /// so a larger declared size belongs to a cut or forged file. WebP and TIFF (fax coding) can describe flat
    /// images in very few bits: their bound is loose.
    /// </summary>
    private static long MaxPixelsPerByte(FileFormat format) => format switch
    {
        FileFormat.Jpeg => 8 * 64,
        FileFormat.Png => 1032 * 8,
        FileFormat.Gif => 4096 * 8 / 3,
        FileFormat.Bmp => 16384,
        FileFormat.Tga => 64,
        FileFormat.Pbm => 8,
        FileFormat.Webp => 1 << 16,
        _ => 1 << 17,
    };

    private static ImageMetadata MetadataOf(Image image)
    {
        var metadata = image.Metadata;
        byte[]? exif = metadata.ExifProfile?.ToByteArray();
        if (exif is not null && exif.AsSpan().StartsWith("Exif\0\0"u8))
        {
            exif = exif[6..];
        }
        return new ImageMetadata
        {
            Exif = exif is { Length: > 0 } ? exif : null,
            Icc = metadata.IccProfile?.ToByteArray(),
            Xmp = metadata.XmpProfile?.ToByteArray(),
        };
    }

    private static FileFormat FromImageSharp(IImageFormat format) => format.Name.ToUpperInvariant() switch
    {
        "JPEG" => FileFormat.Jpeg,
        "PNG" => FileFormat.Png,
        "GIF" => FileFormat.Gif,
        "BMP" => FileFormat.Bmp,
        "TIFF" => FileFormat.Tiff,
        "WEBP" => FileFormat.Webp,
        "TGA" => FileFormat.Tga,
        _ => FileFormat.Pbm,
    };

    /// <summary>
    /// Any exception a decoder throws on hostile data means the same to us: the file cannot be used. ImageSharp's
    /// own (ImageFormatException, InvalidMemoryOperationException) and the ones its parsers let slip
    /// (out-of-range indices, end of stream, overflow).
    /// </summary>
    private static bool IsDecoderFailure(Exception e) => e is not (OutOfMemoryException or ThreadAbortException or StackOverflowException);

    private static InvalidImageException Failure(FileFormat format, Exception e) => new(
        e is SixLabors.ImageSharp.Memory.InvalidMemoryOperationException ? NativeStatus.TooLarge : NativeStatus.Format,
        e is ImageFormatException or SixLabors.ImageSharp.Memory.InvalidMemoryOperationException or NotSupportedException
            ? $"{ImageFormats.Name(format)}: {OneLine(e.Message)}"
            : $"{ImageFormats.Name(format)}: the file is corrupt (ImageSharp's decoder failed: {OneLine(e.Message)})");

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
