namespace ProcessFarm.Shared.Imaging;

/// <summary>The shape of an 8-bit interleaved image with tightly packed rows.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Channels">Bytes per pixel: 1 (gray), 3 (RGB) or 4 (RGBA).</param>
public readonly record struct ImageGeometry(int Width, int Height, int Channels)
{
    /// <summary>Bytes per row (no padding).</summary>
    public int RowBytes => Width * Channels;

    /// <summary>Bytes of the whole image.</summary>
    public long ByteLength => (long)RowBytes * Height;

    /// <summary>Pixels of the whole image.</summary>
    public long PixelCount => (long)Width * Height;

    /// <summary>Throws unless the geometry is positive, has 1, 3 or 4 channels and fits one span.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It does not.</exception>
    public void Validate()
    {
        if (Width < 1 || Height < 1 || Channels is not (1 or 3 or 4) || (long)Width * Channels > int.MaxValue || ByteLength > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(ImageGeometry), this, "width and height must be positive, channels 1, 3 or 4, and the image under 2 GiB");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Width}x{Height}x{Channels}";
}
