namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// Converts rows between pixel layouts where an output format holds less (or a decoder delivers more) than the
/// image has: 16-bit samples rounded to 8 bits, 8 widened to 16 (x 257), grey repeated into RGB, red taken for
/// grey, alpha dropped or made opaque. Deterministic, so every mode converts to the same bytes.
/// </summary>
internal static class RowConverter
{
    /// <summary>Converts <paramref name="width"/> pixels from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static void Convert(ReadOnlySpan<byte> source, PixelLayout from, Span<byte> destination, PixelLayout to, int width)
    {
        if (from == to)
        {
            source[..(width * from.BytesPerPixel)].CopyTo(destination);
            return;
        }
        int fromPixel = from.BytesPerPixel, toPixel = to.BytesPerPixel;
        int colours = to.IsColour ? 3 : 1;
        for (int x = 0; x < width; x++)
        {
            var pixel = source.Slice(x * fromPixel, fromPixel);
            var output = destination.Slice(x * toPixel, toPixel);
            for (int c = 0; c < colours; c++)
            {
                Write(output, c, to.Bits, Read(pixel, from.IsColour ? c : 0, from.Bits));
            }
            if (to.HasAlpha)
            {
                Write(output, to.Channels - 1, to.Bits, from.HasAlpha ? Read(pixel, from.Channels - 1, from.Bits) : 65535);
            }
        }
    }

    /// <summary>Sample <paramref name="index"/> as a 16-bit value (8-bit samples widened by 257).</summary>
    private static int Read(ReadOnlySpan<byte> pixel, int index, int bits) =>
        bits == 8 ? pixel[index] * 257 : pixel[2 * index] | (pixel[(2 * index) + 1] << 8);

    private static void Write(Span<byte> pixel, int index, int bits, int value)
    {
        if (bits == 8)
        {
            pixel[index] = (byte)(((value * 255) + 32767) / 65535); // exact for widened 8-bit values
        }
        else
        {
            pixel[2 * index] = (byte)value;
            pixel[(2 * index) + 1] = (byte)(value >> 8);
        }
    }
}
