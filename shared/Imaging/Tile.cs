namespace ProcessFarm.Shared.Imaging;

/// <summary>One band of whole rows of an image: the unit of work every mode hands out.</summary>
/// <param name="Index">0-based position in the layout.</param>
/// <param name="FirstRow">The band's first row.</param>
/// <param name="RowCount">Rows in the band.</param>
/// <param name="ByteOffset">Offset of the band's first byte from the image's first byte.</param>
/// <param name="ByteLength">Bytes in the band.</param>
public readonly record struct Tile(int Index, int FirstRow, int RowCount, long ByteOffset, int ByteLength);
