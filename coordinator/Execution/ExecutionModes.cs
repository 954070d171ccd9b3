namespace ProcessFarm.Coordinator.Execution;

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
