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
}

/// <summary>Names of modes as users type them.</summary>
internal static class ExecutionModes
{
    public static readonly string[] Names = ["serial", "threads", "pipe", "shm"];

    public static ExecutionMode Parse(string name) => name switch
    {
        "serial" => ExecutionMode.Serial,
        "threads" => ExecutionMode.Threads,
        "pipe" => ExecutionMode.Pipe,
        "shm" => ExecutionMode.Shm,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown mode"),
    };

    public static string Name(this ExecutionMode mode) => Names[(int)mode];
}
