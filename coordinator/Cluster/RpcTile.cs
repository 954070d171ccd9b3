using Orleans;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// One call of the rpc transport (<c>--transport rpc</c>): whole pixels of one tile as a grain-call argument, and the
/// curve to apply to them. At most <see cref="RpcTileEngine.MaxCallBytes"/> of pixels, far below Orleans' message
/// limit (100 MB by default, whose overrun only shows as a timeout).
/// </summary>
/// <param name="Ev">Exposure in stops.</param>
/// <param name="Gamma">Gamma (the exponent is 1/gamma).</param>
/// <param name="Channels">Channels per pixel; with 2 or 4 the last is alpha, which the curve leaves alone.</param>
/// <param name="Bits">Bits per sample: 8 or 16.</param>
/// <param name="Pixels">The pixels, whole ones only; the node transforms this call's own copy in place and returns it.</param>
[GenerateSerializer]
public sealed record RpcTile(
    [property: Id(0)] double Ev,
    [property: Id(1)] double Gamma,
    [property: Id(2)] int Channels,
    [property: Id(3)] int Bits,
    [property: Id(4)] byte[] Pixels);
