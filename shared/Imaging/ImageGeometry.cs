namespace ProcessFarm.Shared.Imaging;

/// <summary>The shape of an interleaved image with tightly packed rows.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Channels">Samples per pixel: 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA); alpha is always last.</param>
/// <param name="Bits">Bits per sample: 8, or 16 (two bytes in host order).</param>
public readonly record struct ImageGeometry(int Width, int Height, int Channels, int Bits = 8)
{
    /// <summary>How each pixel is stored.</summary>
    public PixelLayout Layout => new(Channels, Bits);

    /// <summary>Bytes per pixel.</summary>
    public int PixelBytes => Channels * Bits / 8;

    /// <summary>Bytes per row (no padding).</summary>
    public int RowBytes => Width * PixelBytes;

    /// <summary>Bytes of the whole image.</summary>
    public long ByteLength => (long)RowBytes * Height;

    /// <summary>Pixels of the whole image.</summary>
    public long PixelCount => (long)Width * Height;

    /// <summary>Throws unless the geometry is positive, has a valid layout and fits one span.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It does not.</exception>
    public void Validate()
    {
        if (Width < 1 || Height < 1 || !Layout.IsValid || (long)Width * PixelBytes > int.MaxValue || ByteLength > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(ImageGeometry), this, "width and height must be positive, channels 1 to 4, bits 8 or 16, and the image under 2 GiB");
        }
    }

    /// <summary>The same image with <paramref name="height"/> rows (a band or a ring of strips).</summary>
    public ImageGeometry WithHeight(int height) => this with { Height = height };

    /// <inheritdoc />
    public override string ToString() => Bits == 8 ? $"{Width}x{Height}x{Channels}" : $"{Width}x{Height}x{Channels} {Bits}-bit";
}
