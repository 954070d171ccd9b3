namespace ProcessFarm.Coordinator.Cluster;

/// <summary>The cluster cannot be used: a silo did not start, no node joined in time, Redis is unreachable. One line for the user.</summary>
internal sealed class ClusterException : Exception
{
    public ClusterException()
    {
    }

    public ClusterException(string message)
        : base(message)
    {
    }

    public ClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
