using System.Net;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>How one silo (a coordinator's or a node's) finds and joins the cluster.</summary>
/// <param name="Address">The address the silo listens on and advertises to the others.</param>
/// <param name="SiloPort">Its silo-to-silo port.</param>
/// <param name="Primary">Development clustering: the primary silo (the coordinator's own endpoint for the coordinator); null with Redis.</param>
/// <param name="Redis">Redis clustering: HOST:PORT of the Redis server holding the membership table; null for development clustering.</param>
/// <param name="Name">The silo's name in the membership table: <c>node/HOST/PID</c> or <c>coordinator/HOST/PID</c>.</param>
/// <param name="Tls">--tls: the farm's certificate for the silo links and the workers' frames; null for plain TCP.</param>
internal sealed record ClusterSettings(IPAddress Address, int SiloPort, IPEndPoint? Primary, string? Redis, string Name, FarmTls? Tls = null)
{
    /// <summary>Prefix of a node silo's name; coordinators' silos are not nodes.</summary>
    public const string NodePrefix = "node/";

    /// <summary>The Orleans cluster and service id every ProcessFarm silo uses.</summary>
    public const string ClusterId = "processfarm";
}
