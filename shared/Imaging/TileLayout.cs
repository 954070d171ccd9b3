namespace ProcessFarm.Shared.Imaging;

/// <summary>Splits an image into bands of <see cref="TileRows"/> rows (the last band may be shorter).</summary>
public sealed class TileLayout
{
    /// <summary>Creates a layout.</summary>
    /// <param name="geometry">The image.</param>
    /// <param name="tileRows">Rows per band; at least 1. Larger than the image means one band.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tileRows"/> is below 1, or a band would exceed 2 GiB.</exception>
    public TileLayout(ImageGeometry geometry, int tileRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tileRows, 1);
        Geometry = geometry;
        TileRows = Math.Min(tileRows, geometry.Height);
        if ((long)TileRows * geometry.RowBytes > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(tileRows), tileRows, "a tile must stay under 2 GiB");
        }
        Count = (geometry.Height + TileRows - 1) / TileRows;
    }

    /// <summary>The image being split.</summary>
    public ImageGeometry Geometry { get; }

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
            int firstRow = index * TileRows;
            int rows = Math.Min(TileRows, Geometry.Height - firstRow);
            return new Tile(index, firstRow, rows, (long)firstRow * Geometry.RowBytes, rows * Geometry.RowBytes);
        }
    }

    /// <summary>Picks rows per band so each worker gets about <paramref name="tilesPerWorker"/> bands.</summary>
    public static int DefaultTileRows(ImageGeometry geometry, int workers, int tilesPerWorker = 8) =>
        Math.Max(1, (geometry.Height + (workers * tilesPerWorker) - 1) / (workers * tilesPerWorker));
}
