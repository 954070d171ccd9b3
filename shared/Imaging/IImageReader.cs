namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// One side of the codec seam: an opened image file, read row band by row band into caller memory in the
/// layout its <see cref="Header"/> gives (<see cref="ImageCodecs.OpenReader(byte[], CodecChoice, long)"/> picks
/// the codec from the file's content).
/// </summary>
public interface IImageReader : IDisposable
{
    /// <summary>Format, geometry, palette and metadata.</summary>
    ImageHeader Header { get; }

    /// <summary>Whether the rows must be read in one call (an interlaced PNG).</summary>
    bool RequiresWholeImage { get; }

    /// <summary>Rows read so far.</summary>
    int RowsRead { get; }

    /// <summary>Reads up to <paramref name="rows"/> rows into <paramref name="destination"/>, row r at r * <paramref name="rowStride"/>.</summary>
    /// <returns>Rows read; fewer only at the end of the image.</returns>
    /// <exception cref="Native.InvalidImageException">The file is corrupt or truncated.</exception>
    int ReadRows(Span<byte> destination, int rowStride, int rows);
}
