namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// Splits an image, or a window of its rows, into bands of <see cref="TileRows"/> rows (the last band may be
/// shorter). Tiles keep their offsets in the whole image, so a window's tiles address the same buffer.
/// </summary>
public sealed class TileLayout
{
    /// <summary>Creates a layout over the whole image.</summary>
    /// <param name="geometry">The image.</param>
    /// <param name="tileRows">Rows per band; at least 1. Larger than the image means one band.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tileRows"/> is below 1, or a band would exceed 2 GiB.</exception>
    public TileLayout(ImageGeometry geometry, int tileRows)
        : this(geometry, tileRows, 0, geometry.Height)
    {
    }

    /// <summary>Creates a layout over rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>) of the image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is empty or leaves the image, <paramref name="tileRows"/> is below 1, or a band would exceed 2 GiB.</exception>
    public TileLayout(ImageGeometry geometry, int tileRows, int firstRow, int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tileRows, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rowCount, geometry.Height - firstRow);
        Geometry = geometry;
        FirstRow = firstRow;
        RowCount = rowCount;
        TileRows = Math.Min(tileRows, rowCount);
        if ((long)TileRows * geometry.RowBytes > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(tileRows), tileRows, "a tile must stay under 2 GiB");
        }
        Count = (rowCount + TileRows - 1) / TileRows;
    }

    /// <summary>The image being split.</summary>
    public ImageGeometry Geometry { get; }

    /// <summary>The first row the layout covers (0 unless it is a window).</summary>
    public int FirstRow { get; }

    /// <summary>How many rows the layout covers.</summary>
    public int RowCount { get; }

    /// <summary>Rows per band.</summary>
    public int TileRows { get; }

    /// <summary>How many bands.</summary>
    public int Count { get; }

    /// <summary>Band <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such band.</exception>
    public Tile this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"the layout has {Count} tiles");
            }
            int firstRow = FirstRow + (index * TileRows);
            int rows = Math.Min(TileRows, FirstRow + RowCount - firstRow);
            return new Tile(index, firstRow, rows, (long)firstRow * Geometry.RowBytes, rows * Geometry.RowBytes);
        }
    }

    /// <summary>Picks rows per band so each worker gets about <paramref name="tilesPerWorker"/> bands.</summary>
    public static int DefaultTileRows(ImageGeometry geometry, int workers, int tilesPerWorker = 8) =>
        Math.Max(1, (geometry.Height + (workers * tilesPerWorker) - 1) / (workers * tilesPerWorker));
}
