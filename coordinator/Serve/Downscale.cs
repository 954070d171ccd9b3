using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>
/// The preview's reduction: each preview pixel is the average of every source pixel its block covers (a box
/// filter over whole pixels, so fine texture averages out instead of aliasing into moiré), turned the way the
/// photo's EXIF orientation says it is viewed, in 8-bit grey or RGB for a JPEG. Alpha is composited over white.
/// </summary>
internal static class Downscale
{
    /// <summary>
    /// The preview of <paramref name="source"/> that fits within <paramref name="maxSide"/> pixels, aspect kept
    /// (never enlarged), as viewed with EXIF <paramref name="orientation"/> (5 to 8 swap width and height).
    /// </summary>
    public static ImageGeometry FitWithin(ImageGeometry source, int maxSide, int orientation = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        var stored = StoredSize(source, maxSide);
        return Swaps(orientation)
            ? new ImageGeometry(stored.Height, stored.Width, source.Channels >= 3 ? 3 : 1)
            : new ImageGeometry(stored.Width, stored.Height, source.Channels >= 3 ? 3 : 1);
    }

    /// <summary>Fills <paramref name="destination"/> (from <see cref="FitWithin"/>) with the averaged, oriented preview of <paramref name="source"/>.</summary>
    public static unsafe void Average(PixelBuffer source, PixelBuffer destination, int orientation = 1)
    {
        var from = source.Geometry;
        var to = destination.Geometry;
        var stored = Swaps(orientation) ? new ImageGeometry(to.Height, to.Width, to.Channels) : to;
        if (to.Channels != (from.Channels >= 3 ? 3 : 1) || to.Bits != 8)
        {
            throw new ArgumentException("The destination must be 8-bit grey or RGB, as FitWithin gives it.", nameof(destination));
        }
        using var small = PixelBuffer.Allocate(stored);
        // Every source column and row belongs to exactly one output column and row: [i * W / w, (i + 1) * W / w).
        int[] columnOf = new int[from.Width];
        for (int x = 0; x < from.Width; x++)
        {
            columnOf[x] = (int)((long)x * stored.Width / from.Width);
        }
        int[] firstColumn = Boundaries(stored.Width, from.Width);
        int[] firstRow = Boundaries(stored.Height, from.Height);
        byte* src = source.Pointer;
        byte* dst = small.Pointer;
        Parallel.For(0, stored.Height, y =>
        {
            int colours = stored.Channels;
            long[] sums = new long[stored.Width * colours];
            for (int row = firstRow[y]; row < firstRow[y + 1]; row++)
            {
                AddRow(new ReadOnlySpan<byte>(src + ((long)row * from.RowBytes), from.RowBytes), from.Layout, columnOf, sums, colours);
            }
            long rows = firstRow[y + 1] - firstRow[y];
            byte* output = dst + ((long)y * stored.RowBytes);
            for (int x = 0; x < stored.Width; x++)
            {
                long count = rows * (firstColumn[x + 1] - firstColumn[x]) * 255;
                for (int c = 0; c < colours; c++)
                {
                    output[(x * colours) + c] = (byte)((sums[(x * colours) + c] + (count / 2)) / count);
                }
            }
        });
        Orient(small, destination, orientation);
    }

    /// <summary>The stored-orientation size of the preview.</summary>
    private static ImageGeometry StoredSize(ImageGeometry source, int maxSide)
    {
        double scale = Math.Min(1.0, (double)maxSide / Math.Max(source.Width, source.Height));
        return new ImageGeometry(
            Math.Max(1, (int)Math.Round(source.Width * scale)),
            Math.Max(1, (int)Math.Round(source.Height * scale)),
            source.Channels >= 3 ? 3 : 1);
    }

    private static bool Swaps(int orientation) => orientation is >= 5 and <= 8;

    /// <summary>first[i] is the first source index of output index i; first[count] is the source size.</summary>
    private static int[] Boundaries(int count, int sourceSize)
    {
        int[] first = new int[count + 1];
        for (int i = 0; i <= count; i++)
        {
            first[i] = (int)(((long)i * sourceSize + count - 1) / count);
        }
        return first;
    }

    /// <summary>
    /// Adds one source row to its output row's sums, each sample scaled to 0..65025 (255 x its 8-bit value, or its
    /// 16-bit value rounded to that scale) after compositing alpha over white.
    /// </summary>
    private static void AddRow(ReadOnlySpan<byte> row, PixelLayout layout, int[] columnOf, long[] sums, int colours)
    {
        int pixelBytes = layout.BytesPerPixel;
        bool sixteen = layout.Bits == 16;
        for (int x = 0; x < columnOf.Length; x++)
        {
            var pixel = row.Slice(x * pixelBytes, pixelBytes);
            int alpha = layout.HasAlpha ? Sample(pixel, layout.Channels - 1, sixteen) : 255;
            int baseIndex = columnOf[x] * colours;
            for (int c = 0; c < colours; c++)
            {
                int value = Sample(pixel, c, sixteen);
                sums[baseIndex + c] += (value * alpha) + (255 * (255 - alpha));
            }
        }
    }

    /// <summary>Sample <paramref name="index"/> on the 0..255 scale.</summary>
    private static int Sample(ReadOnlySpan<byte> pixel, int index, bool sixteen) =>
        sixteen ? ((pixel[2 * index] | (pixel[(2 * index) + 1] << 8)) * 255 + 32767) / 65535 : pixel[index];

    /// <summary>Copies the stored-orientation preview into <paramref name="viewed"/> as EXIF <paramref name="orientation"/> says it is seen.</summary>
    private static unsafe void Orient(PixelBuffer stored, PixelBuffer viewed, int orientation)
    {
        int w = stored.Geometry.Width, h = stored.Geometry.Height, channels = stored.Geometry.Channels;
        byte* src = stored.Pointer;
        byte* dst = viewed.Pointer;
        int viewedWidth = viewed.Geometry.Width;
        for (int y = 0; y < viewed.Geometry.Height; y++)
        {
            for (int x = 0; x < viewedWidth; x++)
            {
                var (sx, sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    8 => (w - 1 - y, x),
                    _ => (x, y),
                };
                Buffer.MemoryCopy(src + ((((long)sy * w) + sx) * channels), dst + ((((long)y * viewedWidth) + x) * channels), channels, channels);
            }
        }
    }
}
