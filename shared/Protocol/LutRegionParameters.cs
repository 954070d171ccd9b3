using MessagePack;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// <c>"lut_region"</c>: the table applied to the tile at <see cref="Offset"/> in the attached region's data area,
/// written at <see cref="OutputOffset"/> (equal to the offset, or not overlapping the source). Payload nil; the
/// Result's payload is nil.
/// </summary>
/// <param name="Ev">"ev", as for <see cref="LutTileParameters"/>.</param>
/// <param name="Gamma">"gamma", as for <see cref="LutTileParameters"/>.</param>
/// <param name="Shape">"width", "rows", "channels": the tile is <see cref="TileShape.Bytes"/> bytes.</param>
/// <param name="Offset">"offset": where the tile starts in the data area.</param>
/// <param name="OutputOffset">"output_offset": where the result goes; absent on the wire means <see cref="Offset"/> (in place).</param>
public sealed record LutRegionParameters(double Ev, double Gamma, TileShape Shape, long Offset, long OutputOffset) : JobParameters
{
    private const ParameterKeys Required = ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.Width | ParameterKeys.Rows | ParameterKeys.Channels | ParameterKeys.Offset;

    /// <inheritdoc/>
    public override JobKind Kind => JobKind.LutRegion;

    /// <inheritdoc/>
    public override PayloadRule Payload => PayloadRule.Nil;

    internal override void Write(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(4 + Shape.KeyCount);
        LutTileParameters.WriteExposure(ref writer, Ev, Gamma);
        Shape.Write(ref writer);
        writer.WriteString("offset"u8);
        writer.Write(Offset);
        writer.WriteString("output_offset"u8);
        writer.Write(OutputOffset);
    }

    internal static LutRegionParameters From(in ParameterMap map)
    {
        map.Require(Required, JobKind.LutRegion);
        var (ev, gamma) = map.Exposure();
        long offset = ParameterMap.Place(map.Offset, ParameterKeys.Offset);
        long output = (map.Present & ParameterKeys.OutputOffset) != 0 ? ParameterMap.Place(map.OutputOffset, ParameterKeys.OutputOffset) : offset;
        return new LutRegionParameters(ev, gamma, TileShape.From(map), offset, output);
    }
}
