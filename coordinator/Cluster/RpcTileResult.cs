using Orleans;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>The answer to an <see cref="RpcTile"/>: its pixels transformed, and the node's time in the kernel.</summary>
/// <param name="Pixels">The transformed pixels, as many bytes as were sent.</param>
/// <param name="KernelNs">Nanoseconds the node spent in the LUT kernel for this call.</param>
[GenerateSerializer]
public sealed record RpcTileResult(
    [property: Id(0)] byte[] Pixels,
    [property: Id(1)] long KernelNs);
