using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Imaging.Internal;

/// <summary>
/// JPEG and PNG through libjpeg-turbo and libpng (<see cref="ImageEncoder"/>), with the source's metadata. PNG
/// holds every layout and palettes as they are; JPEG holds 8-bit grey or RGB, so 16-bit samples are rounded to 8
/// bits, alpha is dropped and palette indices become their colours, row by row through a scratch band.
/// </summary>
internal sealed class NativeImageWriter : IImageWriter
{
    private const int ScratchRows = 64;

    private readonly ImageEncoder _encoder;
    private readonly ImageGeometry _source;
    private readonly Palette? _expand;
    private readonly PixelLayout _target;
    private readonly byte[]? _scratch;
    private readonly byte[]? _expanded;

    public NativeImageWriter(FileFormat format, ImageHeader header, int quality)
    {
        _source = header.Geometry;
        var palette = header.Palette;
        if (format == FileFormat.Png)
        {
            _target = _source.Layout;
            _encoder = ImageEncoder.Begin(ImageFormat.Png, _source.Width, _source.Height, _source.Channels, quality, extras: new EncoderExtras
            {
                Bits = _source.Bits,
                Palette = palette is null ? null : (palette.Rgb, palette.Alpha, palette.BitDepth),
                Metadata = MetadataBlocks.ForPng(header.Metadata),
            });
            Codec = "libpng";
            return;
        }

        _expand = palette;
        var layout = palette?.ExpandedLayout ?? _source.Layout;
        _target = new PixelLayout(layout.IsColour ? 3 : 1);
        _encoder = ImageEncoder.Begin(ImageFormat.Jpeg, _source.Width, _source.Height, _target.Channels, quality, extras: new EncoderExtras
        {
            Metadata = MetadataBlocks.ForJpeg(header.Metadata),
        });
        if (palette is not null || _target != _source.Layout)
        {
            _scratch = new byte[ScratchRows * _source.Width * _target.BytesPerPixel];
            _expanded = palette is null ? null : new byte[_source.Width * layout.BytesPerPixel];
        }
        Codec = "libjpeg-turbo";
    }

    public string Codec { get; }

    public void WriteRows(ReadOnlySpan<byte> source, int rowStride, int rows)
    {
        if (_scratch is null)
        {
            _encoder.WriteRows(source, rowStride, rows);
            return;
        }
        int width = _source.Width;
        int targetRow = width * _target.BytesPerPixel;
        for (int done = 0; done < rows; done += ScratchRows)
        {
            int band = Math.Min(ScratchRows, rows - done);
            for (int r = 0; r < band; r++)
            {
                var row = source.Slice((done + r) * rowStride, _source.RowBytes);
                var output = _scratch.AsSpan(r * targetRow, targetRow);
                if (_expand is { } palette)
                {
                    palette.Expand(row, _expanded);
                    RowConverter.Convert(_expanded, palette.ExpandedLayout, output, _target, width);
                }
                else
                {
                    RowConverter.Convert(row, _source.Layout, output, _target, width);
                }
            }
            _encoder.WriteRows(_scratch, targetRow, band);
        }
    }

    public ReadOnlySpan<byte> Finish() => _encoder.Finish();

    public void Dispose() => _encoder.Dispose();
}
