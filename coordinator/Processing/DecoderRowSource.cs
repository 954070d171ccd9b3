using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>Rows from an opened image file, whichever codec reads it.</summary>
internal sealed class DecoderRowSource(IImageReader reader, string path) : IRowSource
{
    public ImageGeometry Geometry { get; } = reader.Header.Geometry;

    public void Read(Span<byte> destination, int rows)
    {
        try
        {
            ImageFile.RequireRows(reader, destination, Geometry.RowBytes, rows);
        }
        catch (InvalidImageException e)
        {
            throw ImageFile.Invalid(path, e);
        }
    }
}
