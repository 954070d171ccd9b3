using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// The palette of a palette PNG, whose pixels are indices into it. The exposure/gamma curve applies to its colours
/// (exact: every pixel of a colour gets the same result) and leaves its opacities and the indices alone.
/// </summary>
/// <param name="Rgb">Red, green and blue of each entry (3 bytes each).</param>
/// <param name="Alpha">Opacities of the first entries (PNG tRNS); the others are opaque. May be empty.</param>
/// <param name="BitDepth">Bits per stored index: 1, 2, 4 or 8.</param>
public sealed record Palette(byte[] Rgb, byte[] Alpha, int BitDepth)
{
    /// <summary>Entries.</summary>
    public int Count => Rgb.Length / 3;

    /// <summary>Whether some entry is not opaque.</summary>
    public bool HasAlpha => Alpha.AsSpan().ContainsAnyExcept((byte)255);

    /// <summary>The palette with the curve applied to its colours (the same table every mode uses).</summary>
    public Palette Apply(LookupTable lut)
    {
        ArgumentNullException.ThrowIfNull(lut);
        byte[] rgb = new byte[Rgb.Length];
        lut.Apply(Rgb, rgb, new PixelLayout(3));
        return this with { Rgb = rgb };
    }

    /// <summary>The layout indices expand to: RGB, or RGBA when some entry is transparent.</summary>
    public PixelLayout ExpandedLayout => new(HasAlpha ? 4 : 3);

    /// <summary>Writes the colours of <paramref name="indices"/> into <paramref name="pixels"/> as <see cref="ExpandedLayout"/>.</summary>
    public void Expand(ReadOnlySpan<byte> indices, Span<byte> pixels)
    {
        int channels = ExpandedLayout.Channels;
        int count = Count;
        for (int i = 0; i < indices.Length; i++)
        {
            int entry = Math.Min(indices[i], count - 1); // libpng refuses out-of-range indices; stay safe anyway
            var pixel = pixels.Slice(i * channels, channels);
            pixel[0] = Rgb[3 * entry];
            pixel[1] = Rgb[(3 * entry) + 1];
            pixel[2] = Rgb[(3 * entry) + 2];
            if (channels == 4)
            {
                pixel[3] = entry < Alpha.Length ? Alpha[entry] : (byte)255;
            }
        }
    }
}
