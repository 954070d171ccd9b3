namespace ProcessFarm.Coordinator.Execution;

/// <summary>Names of modes as users type them.</summary>
internal static class ExecutionModes
{
    public static readonly string[] Names = ["serial", "threads", "pipe", "shm"];

    /// <summary>The local modes and <c>cluster</c>, which needs nodes (<c>processfarm node</c>) and so is never in "all".</summary>
    public static readonly string[] WithCluster = [.. Names, "cluster"];

    public static ExecutionMode Parse(string name) => name switch
    {
        "serial" => ExecutionMode.Serial,
        "threads" => ExecutionMode.Threads,
        "pipe" => ExecutionMode.Pipe,
        "shm" => ExecutionMode.Shm,
        "cluster" => ExecutionMode.Cluster,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown mode"),
    };

    public static string Name(this ExecutionMode mode) => WithCluster[(int)mode];
}
