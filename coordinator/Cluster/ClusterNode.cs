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
    public bool Gone
    {
        get => Volatile.Read(ref _gone);
        set => Volatile.Write(ref _gone, value);
    }

    private bool _gone;

    /// <summary>
    /// Until when (Stopwatch timestamp) the node is passed over: a worker could not be started there (its silo did not
    /// answer), and membership has not yet declared it dead. 0: never suspected.
    /// </summary>
    public long SuspectUntil;

    /// <summary>Workers of this coordinator placed there and not yet gone.</summary>
    public int Assigned;

    /// <summary>Workers of this coordinator that connected from there, replacements included.</summary>
    public int Connected;

    /// <summary>Jobs its workers answered for this coordinator.</summary>
    public long JobsDone;

    /// <summary>Bytes of frames its closed workers' connections carried both ways (live ones: <see cref="ClusterFarm.Report"/>).</summary>
    public long BytesMoved;
}
