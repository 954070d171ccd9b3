namespace ProcessFarm.Shared.Native;

/// <summary>What an <see cref="ImageEncoder"/> writes besides 8-bit pixels: the sample depth, a palette and metadata blocks.</summary>
public sealed record EncoderExtras
{
    /// <summary>Nothing extra: 8-bit samples, no palette, no metadata.</summary>
    public static EncoderExtras None { get; } = new();

    /// <summary>Bits per sample: 8, or 16 (PNG only; rows hold samples in host byte order).</summary>
    public int Bits { get; init; } = 8;

    /// <summary>
    /// PNG only: write a palette image. Rgb holds 3 bytes per entry, Alpha the opacities of the first entries (a
    /// tRNS chunk; may be empty), BitDepth the stored index depth (1, 2, 4 or 8). Rows hold one index byte per pixel.
    /// </summary>
    public (byte[] Rgb, byte[] Alpha, int BitDepth)? Palette { get; init; }

    /// <summary>Blocks written as they are (see <c>pf_encoder_add_metadata</c>): JPEG marker segments or PNG chunks.</summary>
    public IReadOnlyList<(int Kind, byte[] Data)> Metadata { get; init; } = [];

    /// <summary>JPEG only: a progressive file (libjpeg's simple progression).</summary>
    public bool Progressive { get; init; }

    /// <summary>
    /// JPEG only, for tests: 0 for an ordinary file; 1 or 2 for a CMYK or YCCK file whose 4-channel rows hold
    /// inverted C, M, Y, K (<c>pf_encoder_set_cmyk</c>).
    /// </summary>
    internal int Cmyk { get; init; }
}
