using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>The preview's reduction: each output pixel averages four samples spread over its block of the source.</summary>
/// <remarks>
/// Reads about four source pixels per output pixel, not the whole block: a few milliseconds for a 24 MP image,
/// which keeps the preview's time the farm's, and smooth enough for a screen-sized look at exposure and gamma.
/// </remarks>
internal static class Downscale
{
    /// <summary>The geometry that fits <paramref name="source"/> within <paramref name="maxSide"/> pixels, aspect kept (never enlarged).</summary>
    public static ImageGeometry FitWithin(ImageGeometry source, int maxSide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        double scale = Math.Min(1.0, (double)maxSide / Math.Max(source.Width, source.Height));
        return new ImageGeometry(
            Math.Max(1, (int)Math.Round(source.Width * scale)),
            Math.Max(1, (int)Math.Round(source.Height * scale)),
            source.Channels);
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="source"/> (same channel count).</summary>
    public static unsafe void Sample(PixelBuffer source, PixelBuffer destination)
    {
        var from = source.Geometry;
        var to = destination.Geometry;
        if (from.Channels != to.Channels)
        {
            throw new ArgumentException("Source and destination must have the same channels.", nameof(destination));
        }
        int channels = from.Channels;
        // Two sample columns and rows per output pixel, at the first and third quarter of its block.
        int[] columns = new int[to.Width * 2];
        for (int x = 0; x < to.Width; x++)
        {
            columns[2 * x] = QuarterPoint(x, 1, from.Width, to.Width) * channels;
            columns[(2 * x) + 1] = QuarterPoint(x, 3, from.Width, to.Width) * channels;
        }
        byte* src = source.Pointer;
        byte* dst = destination.Pointer;
        Parallel.For(0, to.Height, y =>
        {
            byte* top = src + ((long)QuarterPoint(y, 1, from.Height, to.Height) * from.RowBytes);
            byte* bottom = src + ((long)QuarterPoint(y, 3, from.Height, to.Height) * from.RowBytes);
            byte* row = dst + ((long)y * to.RowBytes);
            for (int x = 0; x < to.Width; x++)
            {
                int left = columns[2 * x];
                int right = columns[(2 * x) + 1];
                for (int c = 0; c < channels; c++)
                {
                    row[(x * channels) + c] = (byte)((top[left + c] + top[right + c] + bottom[left + c] + bottom[right + c] + 2) >> 2);
                }
            }
        });
    }

    /// <summary>The source index at <paramref name="quarter"/>/4 of output pixel <paramref name="i"/>'s block.</summary>
    private static int QuarterPoint(int i, int quarter, int sourceSize, int targetSize) =>
        Math.Min(sourceSize - 1, (int)(((4L * i) + quarter) * sourceSize / (4L * targetSize)));
}
