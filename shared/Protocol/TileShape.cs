using MessagePack;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// A tile's geometry in a <c>lut</c> or <c>lut_region</c> job: <c>width</c> and <c>rows</c> from 1 to 2^31 - 1,
/// <c>channels</c> 1 to 4 (with 2 or 4 the last is alpha, which the curve leaves as it is), <c>bits</c> 8 or 16 per
/// sample (16-bit samples little-endian; absent on the wire means 8), and at most 2^31 - 1 bytes in all.
/// </summary>
public readonly record struct TileShape(int Width, int Rows, int Channels, int Bits = 8)
{
    /// <summary>Bytes of the tile: rows of width × channels samples, no padding.</summary>
    public long Bytes => (long)Width * Rows * Channels * (Bits / 8);

    /// <summary>The pixel layout the kernel applies the table to.</summary>
    public PixelLayout Layout => new(Channels, Bits);

    internal void Write(ref MessagePackWriter writer)
    {
        writer.WriteString("width"u8);
        writer.Write(Width);
        writer.WriteString("rows"u8);
        writer.Write(Rows);
        writer.WriteString("channels"u8);
        writer.Write(Channels);
        if (Bits != 8)
        {
            writer.WriteString("bits"u8);
            writer.Write(Bits);
        }
    }

    /// <summary>Keys <see cref="Write"/> writes: three, and <c>bits</c> when it is not 8.</summary>
    internal int KeyCount => Bits == 8 ? 3 : 4;

    internal static TileShape From(in ParameterMap map)
    {
        int width = (int)ParameterMap.InRange(map.Width, 1, int.MaxValue, ParameterKeys.Width);
        int rows = (int)ParameterMap.InRange(map.Rows, 1, int.MaxValue, ParameterKeys.Rows);
        int channels = (int)ParameterMap.InRange(map.Channels, 1, 4, ParameterKeys.Channels);
        int bits = (map.Present & ParameterKeys.Bits) == 0 ? 8 : (int)ParameterMap.InRange(map.Bits, 8, 16, ParameterKeys.Bits);
        if (bits is not (8 or 16))
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"'bits' must be 8 or 16, not {bits}");
        }
        var shape = new TileShape(width, rows, channels, bits);
        if (shape.Bytes > int.MaxValue)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"a tile of {width} x {rows} x {channels} ({bits}-bit) is {shape.Bytes} bytes; the limit is {int.MaxValue}");
        }
        return shape;
    }
}
