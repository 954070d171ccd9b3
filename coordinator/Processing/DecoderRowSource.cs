using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>Rows from an opened JPEG or PNG file.</summary>
internal sealed class DecoderRowSource(ImageDecoder decoder, string path) : IRowSource
{
    public ImageGeometry Geometry { get; } = ImageFile.GeometryOf(decoder.Info);

    public void Read(Span<byte> destination, int rows)
    {
        try
        {
            int read = decoder.ReadRows(destination, Geometry.RowBytes, rows);
            if (read != rows)
            {
                throw new InvalidImageException(NativeStatus.Format, $"the image ended after {decoder.RowsRead} of {Geometry.Height} rows");
            }
        }
        catch (InvalidImageException e)
        {
            throw ImageFile.Invalid(path, e);
        }
    }
}
