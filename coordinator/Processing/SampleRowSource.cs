using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>Rows of the built-in sample, generated on demand.</summary>
internal sealed class SampleRowSource(ImageGeometry geometry) : IRowSource
{
    private int _next;

    public ImageGeometry Geometry { get; } = geometry;

    public void Read(Span<byte> destination, int rows)
    {
        SampleImage.GenerateRows(destination, Geometry, _next, rows);
        _next += rows;
    }
}
