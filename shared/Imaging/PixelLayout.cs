namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// How a pixel is stored: <see cref="Channels"/> interleaved samples of <see cref="Bits"/> bits (16-bit samples in
/// host byte order, little-endian here). With 2 (grey + alpha) or 4 (RGBA) channels the last one is alpha, which
/// the exposure/gamma curve leaves untouched.
/// </summary>
/// <param name="Channels">1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA).</param>
/// <param name="Bits">8 or 16 bits per sample.</param>
public readonly record struct PixelLayout(int Channels, int Bits = 8)
{
    /// <summary>8-bit samples, one per pixel: every byte goes through the curve.</summary>
    public static PixelLayout Bytes => new(1, 8);

    /// <summary>Bytes per sample: 1 or 2.</summary>
    public int BytesPerSample => Bits / 8;

    /// <summary>Bytes per pixel.</summary>
    public int BytesPerPixel => Channels * Bits / 8;

    /// <summary>Whether the last channel is alpha (2 or 4 channels).</summary>
    public bool HasAlpha => Channels is 2 or 4;

    /// <summary>Whether the pixel has colour (3 or 4 channels) rather than grey.</summary>
    public bool IsColour => Channels >= 3;

    /// <summary>Channels 1..4 and 8 or 16 bits.</summary>
    public bool IsValid => Channels is >= 1 and <= 4 && Bits is 8 or 16;

    /// <inheritdoc />
    public override string ToString() => $"{Channels} channel{(Channels == 1 ? string.Empty : "s")}{(HasAlpha ? " (alpha last)" : string.Empty)}, {Bits}-bit";
}
