namespace ProcessFarm.Coordinator.Cluster;

/// <summary>A node the coordinator knows: its grain, what it offers, and what this coordinator did with it.</summary>
internal sealed class ClusterNode(string key, INodeGrain grain, NodeStatus status, long joinedTimestamp)
{
    /// <summary>The node silo's address as a parsable string, also its grain's key.</summary>
    public string Key => key;

    public INodeGrain Grain => grain;

    public NodeStatus Status => status;

    /// <summary>When the coordinator saw it join (Stopwatch timestamp).</summary>
    public long JoinedTimestamp => joinedTimestamp;

    /// <summary>Set once membership declares the node dead or gone.</summary>
    public bool Gone { get; set; }

    /// <summary>Workers of this coordinator placed there and not yet gone.</summary>
    public int Assigned;

    /// <summary>Jobs its workers answered for this coordinator.</summary>
    public long JobsDone;

    /// <summary>Bytes of frames its workers' connections carried both ways.</summary>
    public long BytesMoved;
}
