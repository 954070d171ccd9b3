using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>JPEG and PNG through libjpeg-turbo and libpng (<see cref="ImageDecoder"/>): streamed by row bands.</summary>
internal sealed class NativeImageReader : IImageReader
{
    private readonly ImageDecoder _decoder;

    public NativeImageReader(ImageDecoder decoder)
    {
        _decoder = decoder;
        var info = decoder.Info;
        var format = info.Format == ImageFormat.Jpeg ? FileFormat.Jpeg : FileFormat.Png;
        var blocks = decoder.ReadMetadata();
        Palette? palette = null;
        if (info.PaletteEntries > 0)
        {
            var (rgb, alpha, bitDepth) = decoder.ReadPalette();
            palette = new Palette(rgb, alpha, bitDepth);
        }
        Header = new ImageHeader(
            format,
            ImageFile.GeometryOf(info.Width, info.Height, info.Channels, info.Bits),
            palette,
            format == FileFormat.Jpeg ? MetadataBlocks.FromJpeg(blocks) : MetadataBlocks.FromPng(blocks),
            format == FileFormat.Jpeg ? "libjpeg-turbo" : "libpng")
        {
            Lossy = format == FileFormat.Jpeg,
        };
    }

    public ImageHeader Header { get; }

    public bool RequiresWholeImage => _decoder.Info.RequiresWholeImage;

    public int RowsRead => _decoder.RowsRead;

    public int ReadRows(Span<byte> destination, int rowStride, int rows) => _decoder.ReadRows(destination, rowStride, rows);

    public void Dispose() => _decoder.Dispose();
}
