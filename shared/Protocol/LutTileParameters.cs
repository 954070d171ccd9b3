using MessagePack;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// <c>"lut"</c>: the exposure/gamma table applied to a tile carried as the payload, a bin of exactly
/// <see cref="TileShape.Bytes"/> bytes; the Result carries the transformed tile.
/// </summary>
/// <param name="Ev">"ev": exposure in stops, finite.</param>
/// <param name="Gamma">"gamma": finite, above 0.</param>
/// <param name="Shape">"width", "rows", "channels".</param>
public sealed record LutTileParameters(double Ev, double Gamma, TileShape Shape) : JobParameters
{
    private const ParameterKeys Required = ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.Width | ParameterKeys.Rows | ParameterKeys.Channels;

    /// <inheritdoc/>
    public override JobKind Kind => JobKind.Lut;

    /// <inheritdoc/>
    public override PayloadRule Payload => PayloadRule.Bin;

    internal override void Write(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(2 + Shape.KeyCount);
        WriteExposure(ref writer, Ev, Gamma);
        Shape.Write(ref writer);
    }

    internal static LutTileParameters From(in ParameterMap map)
    {
        map.Require(Required, JobKind.Lut);
        var (ev, gamma) = map.Exposure();
        return new LutTileParameters(ev, gamma, TileShape.From(map));
    }

    /// <summary>"ev" and "gamma", as every kind that applies the table writes them.</summary>
    internal static void WriteExposure(ref MessagePackWriter writer, double ev, double gamma)
    {
        writer.WriteString("ev"u8);
        writer.Write(ev);
        writer.WriteString("gamma"u8);
        writer.Write(gamma);
    }
}
