using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// A finished tune: what ran on what, the rows, and the bare worker start to compare start-up with (null when no
/// worker mode ran).
/// </summary>
internal sealed record TuneReport(string Input, ImageGeometry Geometry, int Repeat, TuneResult Result, double? BareStartMs)
{
    /// <summary>With a cluster sweep: the nodes and link it ran on (its rows' workers are per node); else null.</summary>
    public string? Cluster { get; init; }

    /// <summary>Pixel bytes through the process step per second at a row's median, in GB/s.</summary>
    public double ThroughputGbps(TuneRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return Geometry.ByteLength / row.MedianSeconds / 1e9;
    }
}
