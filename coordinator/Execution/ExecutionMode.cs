namespace ProcessFarm.Coordinator.Execution;

/// <summary>The four ways to run the kernel over an image; README "Modes" explains each.</summary>
internal enum ExecutionMode
{
    /// <summary>One pass on one thread.</summary>
    Serial,

    /// <summary>Tiles of one shared buffer on N threads, in place: zero copies.</summary>
    Threads,

    /// <summary>Tiles serialized as MessagePack bin frames to N worker processes over Unix-socket named pipes.</summary>
    Pipe,

    /// <summary>Tiles in a memory region N worker processes map; only descriptors travel on the pipes.</summary>
    Shm,

    /// <summary>Pipe mode over TCP: tiles as frames to workers that cluster nodes started (coordinator/Cluster).</summary>
    Cluster,
}
