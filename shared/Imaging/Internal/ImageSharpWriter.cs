using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// Writes any format through ImageSharp 2.1: the rows go into an image of the pixel type the format holds (see
/// <see cref="TargetLayout"/>), which is encoded whole at <see cref="Finish"/> with the metadata the format has
/// room for (EXIF, ICC and XMP in JPEG, PNG, TIFF and WebP as ImageSharp writes them).
/// </summary>
internal sealed class ImageSharpWriter : IImageWriter
{
    private readonly Image _image;
    private readonly IImageEncoder _encoder;
    private readonly PixelLayout _source;
    private readonly Palette? _expand;
    private readonly byte[]? _expanded;
    private MemoryStream? _encoded;
    private int _rowsWritten;

    public ImageSharpWriter(FileFormat format, string extension, ImageHeader header, int quality)
    {
        var geometry = header.Geometry;
        _expand = header.Palette;
        _source = _expand?.ExpandedLayout ?? geometry.Layout;
        _expanded = _expand is null ? null : new byte[geometry.Width * _source.BytesPerPixel];
        var target = TargetLayout(format, extension, _source);
        // Our own pixels, already within --max-pixels: the ceiling only keeps an encoder's appetite in proportion
        // (WebP's lossless encoder holds several 32-bit planes and histograms: about 40 bytes a pixel at most).
        long budget = (256L << 20) + (geometry.PixelCount * (target.BytesPerPixel + 48));
        _image = ImageSharpPixels.Create(target, geometry.Width, geometry.Height, ImageSharpReader.Configure(budget));
        CarryMetadata(_image, header.Metadata);
        _encoder = Encoder(format, extension, target, header, quality);
    }

    public string Codec => "ImageSharp";

    /// <summary>
    /// What each format holds of a layout: PNG everything; JPEG 8-bit grey or RGB; GIF RGBA (quantized by the
    /// encoder); BMP, TGA and WebP 8-bit RGB or RGBA (TGA grey too); TIFF 8-bit grey or RGB (ImageSharp 2.1
    /// writes no alpha there); PGM grey and PPM RGB at 8 or 16 bits; PBM 1-bit.
    /// </summary>
    public static PixelLayout TargetLayout(FileFormat format, string extension, PixelLayout source) => format switch
    {
        FileFormat.Png => source,
        FileFormat.Jpeg => new PixelLayout(source.IsColour ? 3 : 1),
        FileFormat.Gif => new PixelLayout(4),
        FileFormat.Bmp or FileFormat.Webp => new PixelLayout(source.HasAlpha ? 4 : 3),
        FileFormat.Tga => new PixelLayout(source.HasAlpha ? 4 : source.IsColour ? 3 : 1),
        FileFormat.Tiff => new PixelLayout(source.IsColour ? 3 : 1),
        FileFormat.Pbm => extension switch
        {
            ".ppm" => new PixelLayout(3, source.Bits),
            ".pgm" => new PixelLayout(1, source.Bits),
            _ => new PixelLayout(1),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "no ImageSharp encoder"),
    };

    public void WriteRows(ReadOnlySpan<byte> source, int rowStride, int rows)
    {
        int width = _image.Width;
        if (_expand is { } palette)
        {
            for (int r = 0; r < rows; r++)
            {
                palette.Expand(source.Slice(r * rowStride, width), _expanded);
                ImageSharpPixels.WriteRows(_image, _rowsWritten + r, 1, _expanded, _expanded!.Length, _source);
            }
        }
        else
        {
            ImageSharpPixels.WriteRows(_image, _rowsWritten, rows, source, rowStride, _source);
        }
        _rowsWritten += rows;
    }

    public ReadOnlySpan<byte> Finish()
    {
        if (_rowsWritten != _image.Height)
        {
            throw new InvalidOperationException($"{_rowsWritten} of {_image.Height} rows were written.");
        }
        if (_encoded is null)
        {
            _encoded = new MemoryStream();
            try
            {
                _image.Save(_encoded, _encoder);
            }
            catch (Exception e) when (e is ImageFormatException or NotSupportedException or SixLabors.ImageSharp.Memory.InvalidMemoryOperationException)
            {
                throw new OutputException($"ImageSharp could not encode the output: {e.Message}", e);
            }
        }
        return _encoded.GetBuffer().AsSpan(0, (int)_encoded.Length);
    }

    public void Dispose()
    {
        _image.Dispose();
        _encoded?.Dispose();
    }

    private static void CarryMetadata(Image image, ImageMetadata metadata)
    {
        if (metadata.Exif is { } exif)
        {
            image.Metadata.ExifProfile = new ExifProfile(exif);
        }
        if (metadata.Icc is { } icc)
        {
            image.Metadata.IccProfile = new IccProfile(icc);
        }
        if (metadata.Xmp is { } xmp)
        {
            image.Metadata.XmpProfile = new XmpProfile(xmp);
        }
    }

    private static IImageEncoder Encoder(FileFormat format, string extension, PixelLayout target, ImageHeader header, int quality) => format switch
    {
        FileFormat.Jpeg => new JpegEncoder { Quality = quality, ColorType = target.IsColour ? JpegColorType.YCbCrRatio420 : JpegColorType.Luminance },
        FileFormat.Png => new PngEncoder
        {
            ColorType = (target.Channels) switch
            {
                1 => PngColorType.Grayscale,
                2 => PngColorType.GrayscaleWithAlpha,
                3 => PngColorType.Rgb,
                _ => PngColorType.RgbWithAlpha,
            },
            BitDepth = target.Bits == 16 ? PngBitDepth.Bit16 : PngBitDepth.Bit8,
            CompressionLevel = PngCompressionLevel.BestSpeed,
        },
        FileFormat.Gif => new GifEncoder(),
        FileFormat.Bmp => new BmpEncoder { BitsPerPixel = target.HasAlpha ? BmpBitsPerPixel.Pixel32 : BmpBitsPerPixel.Pixel24, SupportTransparency = target.HasAlpha },
        FileFormat.Tga => new TgaEncoder { BitsPerPixel = target.Channels switch { 1 => TgaBitsPerPixel.Pixel8, 3 => TgaBitsPerPixel.Pixel24, _ => TgaBitsPerPixel.Pixel32 } },
        FileFormat.Tiff => new TiffEncoder { BitsPerPixel = target.IsColour ? TiffBitsPerPixel.Bit24 : TiffBitsPerPixel.Bit8 },
        FileFormat.Webp => new WebpEncoder
        {
            // Lossy stays lossy, everything else lossless: nothing but the exposure is to be lost.
            FileFormat = header.Lossy ? WebpFileFormatType.Lossy : WebpFileFormatType.Lossless,
            Method = WebpEncodingMethod.Fastest,
            Quality = quality,
        },
        FileFormat.Pbm => new PbmEncoder
        {
            Encoding = PbmEncoding.Binary,
            ColorType = extension switch { ".ppm" => PbmColorType.Rgb, ".pgm" => PbmColorType.Grayscale, _ => PbmColorType.BlackAndWhite },
            ComponentType = extension == ".pbm" ? PbmComponentType.Bit : target.Bits == 16 ? PbmComponentType.Short : PbmComponentType.Byte,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "no ImageSharp encoder"),
    };
}
