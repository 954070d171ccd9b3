namespace ProcessFarm.Coordinator.Echo;

/// <summary>What an echo's cluster rows ran on, for the report: the link measured and the farm's size.</summary>
/// <param name="Link">Each node's link, e.g. "loopback 127.0.0.1 -> node host/123 at 127.0.0.1" (<see cref="ClusterEcho.DescribeLink"/>).</param>
/// <param name="Nodes">Nodes the rows used.</param>
/// <param name="Workers">Worker processes on them (cluster row); tcp opens as many connections.</param>
internal sealed record EchoClusterRun(string Link, int Nodes, int Workers);
