using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Imaging;

public class TileLayoutTests
{
    private static readonly ImageGeometry s_geometry = new(10, 100, 3);

    [Fact]
    public void Window_CoversExactlyItsRows_WithOffsetsInTheWholeImage()
    {
        var layout = new TileLayout(s_geometry, 7, firstRow: 40, rowCount: 23);

        Assert.Equal(4, layout.Count);
        var tiles = Enumerable.Range(0, layout.Count).Select(i => layout[i]).ToArray();
        Assert.Equal([40, 47, 54, 61], tiles.Select(t => t.FirstRow));
        Assert.Equal([7, 7, 7, 2], tiles.Select(t => t.RowCount));
        Assert.Equal(40L * 30, tiles[0].ByteOffset);
        Assert.Equal(2 * 30, tiles[3].ByteLength);
    }

    [Fact]
    public void WholeImage_IsTheWindowFromRowZero()
    {
        var layout = new TileLayout(s_geometry, 30);

        Assert.Equal((0, 100, 4), (layout.FirstRow, layout.RowCount, layout.Count));
        Assert.Equal(10, layout[3].RowCount);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(95, 6)]
    public void Window_OutsideTheImage_IsRefused(int firstRow, int rowCount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TileLayout(s_geometry, 4, firstRow, rowCount));

    [Fact]
    public void SampleRows_GeneratedBandByBand_EqualTheWholeSample()
    {
        var geometry = new ImageGeometry(97, 61, 3);
        using var whole = PixelBuffer.Allocate(geometry);
        SampleImage.Generate(whole);

        byte[] banded = new byte[geometry.ByteLength];
        for (int first = 0; first < geometry.Height; first += 13)
        {
            int rows = Math.Min(13, geometry.Height - first);
            SampleImage.GenerateRows(banded.AsSpan(first * geometry.RowBytes), geometry, first, rows);
        }

        Assert.True(whole.Span.SequenceEqual(banded));
    }
}
