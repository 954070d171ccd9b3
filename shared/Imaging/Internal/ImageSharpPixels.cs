using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// Our interleaved layouts and ImageSharp's pixel types, which store exactly those bytes: L8, La16, Rgb24, Rgba32
/// and their 16-bit forms L16, La32, Rgb48, Rgba64 (samples in host order). Rows are copied with
/// <see cref="RowConverter"/> where the layouts differ.
/// </summary>
internal static class ImageSharpPixels
{
    /// <summary>An image of <paramref name="layout"/>'s pixel type.</summary>
    public static Image Create(PixelLayout layout, int width, int height, Configuration configuration) => (layout.Channels, layout.Bits) switch
    {
        (1, 8) => new Image<L8>(configuration, width, height),
        (2, 8) => new Image<La16>(configuration, width, height),
        (3, 8) => new Image<Rgb24>(configuration, width, height),
        (4, 8) => new Image<Rgba32>(configuration, width, height),
        (1, 16) => new Image<L16>(configuration, width, height),
        (2, 16) => new Image<La32>(configuration, width, height),
        (3, 16) => new Image<Rgb48>(configuration, width, height),
        _ => new Image<Rgba64>(configuration, width, height),
    };

    /// <summary>Decodes <paramref name="data"/> into <paramref name="layout"/>'s pixel type.</summary>
    public static Image Load(PixelLayout layout, Configuration configuration, byte[] data, SixLabors.ImageSharp.Formats.IImageDecoder? decoder) => (layout.Channels, layout.Bits) switch
    {
        (1, 8) => Load<L8>(configuration, data, decoder),
        (2, 8) => Load<La16>(configuration, data, decoder),
        (3, 8) => Load<Rgb24>(configuration, data, decoder),
        (4, 8) => Load<Rgba32>(configuration, data, decoder),
        (1, 16) => Load<L16>(configuration, data, decoder),
        (2, 16) => Load<La32>(configuration, data, decoder),
        (3, 16) => Load<Rgb48>(configuration, data, decoder),
        _ => Load<Rgba64>(configuration, data, decoder),
    };

    /// <summary>The layout whose bytes <paramref name="image"/>'s pixels are.</summary>
    public static PixelLayout LayoutOf(Image image) => image switch
    {
        Image<L8> => new PixelLayout(1, 8),
        Image<La16> => new PixelLayout(2, 8),
        Image<Rgb24> => new PixelLayout(3, 8),
        Image<Rgba32> => new PixelLayout(4, 8),
        Image<L16> => new PixelLayout(1, 16),
        Image<La32> => new PixelLayout(2, 16),
        Image<Rgb48> => new PixelLayout(3, 16),
        _ => new PixelLayout(4, 16),
    };

    /// <summary>
    /// Rows [<paramref name="firstRow"/>, +<paramref name="rows"/>) of <paramref name="image"/> into
    /// <paramref name="destination"/> (row r at r * <paramref name="stride"/>) as <paramref name="layout"/>.
    /// </summary>
    public static unsafe void ReadRows(Image image, int firstRow, int rows, Span<byte> destination, int stride, PixelLayout layout)
    {
        fixed (byte* pointer = destination)
        {
            var rowsOut = new RowWindow((IntPtr)pointer, destination.Length, stride, firstRow, rows, layout, image.Width);
            Visit(image, rowsOut, toImage: false);
        }
    }

    /// <summary>Rows of <paramref name="source"/> in <paramref name="layout"/> into <paramref name="image"/> from <paramref name="firstRow"/>.</summary>
    public static unsafe void WriteRows(Image image, int firstRow, int rows, ReadOnlySpan<byte> source, int stride, PixelLayout layout)
    {
        fixed (byte* pointer = source)
        {
            var rowsIn = new RowWindow((IntPtr)pointer, source.Length, stride, firstRow, rows, layout, image.Width);
            Visit(image, rowsIn, toImage: true);
        }
    }

    /// <summary>Whether some pixel of an image with alpha is not opaque.</summary>
    public static bool HasTransparency(Image image) => image switch
    {
        Image<Rgba32> rgba => AnyTransparent(rgba, static p => p.A != 255),
        Image<La16> la => AnyTransparent(la, static p => p.A != 255),
        Image<Rgba64> rgba64 => AnyTransparent(rgba64, static p => p.A != 65535),
        Image<La32> la32 => AnyTransparent(la32, static p => p.A != 65535),
        _ => false,
    };

    private static Image<T> Load<T>(Configuration configuration, byte[] data, SixLabors.ImageSharp.Formats.IImageDecoder? decoder)
        where T : unmanaged, IPixel<T> =>
        decoder is null ? Image.Load<T>(configuration, data) : Image.Load<T>(configuration, data, decoder);

    private static bool AnyTransparent<T>(Image<T> image, Func<T, bool> transparent)
        where T : unmanaged, IPixel<T>
    {
        bool found = false;
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height && !found; y++)
            {
                foreach (var pixel in accessor.GetRowSpan(y))
                {
                    if (transparent(pixel))
                    {
                        found = true;
                        break;
                    }
                }
            }
        });
        return found;
    }

    private static void Visit(Image image, RowWindow window, bool toImage)
    {
        switch (image)
        {
            case Image<L8> typed: Copy(typed, window, toImage); break;
            case Image<La16> typed: Copy(typed, window, toImage); break;
            case Image<Rgb24> typed: Copy(typed, window, toImage); break;
            case Image<Rgba32> typed: Copy(typed, window, toImage); break;
            case Image<L16> typed: Copy(typed, window, toImage); break;
            case Image<La32> typed: Copy(typed, window, toImage); break;
            case Image<Rgb48> typed: Copy(typed, window, toImage); break;
            case Image<Rgba64> typed: Copy(typed, window, toImage); break;
            default: throw new ArgumentException($"unexpected pixel type {image.PixelType.BitsPerPixel} bpp", nameof(image));
        }
    }

    private static unsafe void Copy<T>(Image<T> image, RowWindow window, bool toImage)
        where T : unmanaged, IPixel<T>
    {
        var imageLayout = LayoutOf(image);
        image.ProcessPixelRows(accessor =>
        {
            for (int r = 0; r < window.Rows; r++)
            {
                var pixels = MemoryMarshal.AsBytes(accessor.GetRowSpan(window.FirstRow + r));
                var ours = new Span<byte>((byte*)window.Pointer + ((long)r * window.Stride), window.Width * window.Layout.BytesPerPixel);
                if (toImage)
                {
                    RowConverter.Convert(ours, window.Layout, pixels, imageLayout, window.Width);
                }
                else
                {
                    RowConverter.Convert(pixels, imageLayout, ours, window.Layout, window.Width);
                }
            }
        });
    }

    /// <summary>A band of rows in our memory: where it is and how it is laid out.</summary>
    private readonly record struct RowWindow(IntPtr Pointer, int Length, int Stride, int FirstRow, int Rows, PixelLayout Layout, int Width);
}
