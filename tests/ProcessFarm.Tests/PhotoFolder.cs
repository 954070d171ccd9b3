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
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ProcessFarm.Tests;

/// <summary>
/// A folder of photos as people have them, written by ImageSharp's encoders (not by the code under test): a phone
/// JPEG with EXIF orientation 6 and an ICC profile, RGBA, grey + alpha, 16-bit and 4-bit palette PNGs, an animated
/// GIF, a WebP, a TIFF, a BMP, a TGA, a PGM and a CMYK JPEG.
/// </summary>
internal static class PhotoFolder
{
    public const int Width = 97;
    public const int Height = 61;

    /// <summary>A 132-byte ICC profile: a valid header, no tags. Carried as bytes, so its content does not matter.</summary>
    public static byte[] IccProfileBytes { get; } = MakeIcc();

    public static IReadOnlyList<string> Names { get; } =
        ["phone.jpg", "rgba.png", "grey-alpha.png", "deep.png", "palette.png", "anim.gif", "photo.webp", "photo.tiff", "photo.bmp", "photo.tga", "grey.pgm", "cmyk.jpg", "ycck.jpg"];

    /// <summary>Writes every file of <see cref="Names"/> into <paramref name="directory"/>.</summary>
    public static void Write(string directory)
    {
        foreach (string name in Names)
        {
            File.WriteAllBytes(Path.Combine(directory, name), Build(name));
        }
    }

    public static byte[] Build(string name) => name switch
    {
        "phone.jpg" => Encode(Photo<Rgb24>(withOrientation: true), new JpegEncoder { Quality = 92 }),
        "rgba.png" => Encode(Photo<Rgba32>(), new PngEncoder { ColorType = PngColorType.RgbWithAlpha }),
        "grey-alpha.png" => Encode(Photo<La16>(), new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha }),
        "deep.png" => Encode(Photo<Rgb48>(), new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 }),
        "palette.png" => Encode(Posterized(), new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit4 }),
        "anim.gif" => Animated(),
        "photo.webp" => Encode(Photo<Rgba32>(), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }),
        "photo.tiff" => Encode(Photo<Rgb24>(), new TiffEncoder()),
        "photo.bmp" => Encode(Photo<Rgb24>(), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }),
        "photo.tga" => Encode(Photo<Rgba32>(), new TgaEncoder { BitsPerPixel = TgaBitsPerPixel.Pixel32, Compression = TgaCompression.None }),
        "grey.pgm" => Encode(Photo<L8>(), new PbmEncoder { ColorType = PbmColorType.Grayscale, Encoding = PbmEncoding.Binary }),
        "cmyk.jpg" => FourComponentJpeg(ycck: false),
        "ycck.jpg" => FourComponentJpeg(ycck: true),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    /// <summary>A smooth, noisy, partly transparent picture in any pixel type (alpha ramps across the width).</summary>
    public static Image<T> Photo<T>(bool withOrientation = false)
        where T : unmanaged, IPixel<T>
    {
        var image = new Image<T>(Width, Height);
        var random = new Random(7);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                float noise = random.Next(-6, 7) / 255f;
                var colour = new System.Numerics.Vector4(
                    Math.Clamp((x / (float)Width) + noise, 0, 1),
                    Math.Clamp((y / (float)Height) + noise, 0, 1),
                    Math.Clamp(0.3f + (0.2f * MathF.Sin(x * 0.3f)) + noise, 0, 1),
                    x < Width / 3 ? 1f : x / (float)Width);
                var pixel = default(T);
                pixel.FromVector4(colour);
                image[x, y] = pixel;
            }
        }
        if (withOrientation)
        {
            var exif = new ExifProfile();
            exif.SetValue(ExifTag.Orientation, (ushort)6);
            exif.SetValue(ExifTag.Model, "Test Phone");
            image.Metadata.ExifProfile = exif;
            image.Metadata.IccProfile = new IccProfile(IccProfileBytes);
        }
        return image;
    }

    /// <summary>
    /// A CMYK or YCCK JPEG (Adobe's inverted CMYK, as Photoshop writes it) from libjpeg-turbo: ImageSharp 2.1 has no
    /// four-component encoder.
    /// </summary>
    public static byte[] FourComponentJpeg(bool ycck)
    {
        using var photo = Photo<Rgb24>();
        byte[] cmyk = new byte[Width * Height * 4];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                var p = photo[x, y];
                byte k = Math.Max(p.R, Math.Max(p.G, p.B)); // inverted: 255 - K
                int i = ((y * Width) + x) * 4;
                cmyk[i] = (byte)(255 - (k - p.R));
                cmyk[i + 1] = (byte)(255 - (k - p.G));
                cmyk[i + 2] = (byte)(255 - (k - p.B));
                cmyk[i + 3] = k;
            }
        }
        using var encoder = ProcessFarm.Shared.Native.ImageEncoder.Begin(ProcessFarm.Shared.Native.ImageFormat.Jpeg, Width, Height, 4, 92, extras: new ProcessFarm.Shared.Native.EncoderExtras { Cmyk = ycck ? 2 : 1 });
        encoder.WriteRows(cmyk, Width * 4, Height);
        return encoder.Finish().ToArray();
    }

    private static Image<Rgba32> Posterized()
    {
        var image = new Image<Rgba32>(Width, Height);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int level = (x * 5 / Width) + (y * 3 / Height * 5); // 15 colours
                image[x, y] = level == 14 ? new Rgba32(0, 0, 0, 0) : new Rgba32((byte)(level * 17), (byte)(255 - (level * 13)), (byte)(60 + (level * 9)), 255);
            }
        }
        return image;
    }

    private static byte[] Animated()
    {
        using var image = Photo<Rgba32>();
        using var second = Photo<Rgba32>();
        second.Mutate(static context => context.Invert());
        image.Frames.AddFrame(second.Frames.RootFrame);
        return Encode(image, new GifEncoder());
    }

    private static byte[] Encode<T>(Image<T> image, IImageEncoder encoder)
        where T : unmanaged, IPixel<T>
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
    }

    private static byte[] MakeIcc()
    {
        byte[] icc = new byte[132];
        icc[3] = 132; // size
        icc[8] = 2;
        icc[9] = 0x10; // version 2.1
        "mntr"u8.CopyTo(icc.AsSpan(12));
        "RGB "u8.CopyTo(icc.AsSpan(16));
        "XYZ "u8.CopyTo(icc.AsSpan(20));
        "acsp"u8.CopyTo(icc.AsSpan(36));
        return icc;
    }
}
