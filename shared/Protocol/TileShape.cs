using MessagePack;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// A tile's geometry in a <c>lut</c> or <c>lut_region</c> job: <c>width</c> and <c>rows</c> from 1 to 2^31 - 1,
/// <c>channels</c> 1, 3 or 4, and at most 2^31 - 1 bytes in all.
/// </summary>
public readonly record struct TileShape(int Width, int Rows, int Channels)
{
    /// <summary>Bytes of the tile: rows of width × channels bytes, no padding.</summary>
    public long Bytes => (long)Width * Rows * Channels;

    internal void Write(ref MessagePackWriter writer)
    {
        writer.WriteString("width"u8);
        writer.Write(Width);
        writer.WriteString("rows"u8);
        writer.Write(Rows);
        writer.WriteString("channels"u8);
        writer.Write(Channels);
    }

    internal static TileShape From(in ParameterMap map)
    {
        int width = (int)ParameterMap.InRange(map.Width, 1, int.MaxValue, ParameterKeys.Width);
        int rows = (int)ParameterMap.InRange(map.Rows, 1, int.MaxValue, ParameterKeys.Rows);
        if (map.Channels != 1 && map.Channels != 3 && map.Channels != 4)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"'channels' must be 1, 3 or 4, not {map.Channels}");
        }
        var shape = new TileShape(width, rows, (int)map.Channels);
        if (shape.Bytes > int.MaxValue)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"a tile of {width} x {rows} x {shape.Channels} is {shape.Bytes} bytes; the limit is {int.MaxValue}");
        }
        return shape;
    }
}
