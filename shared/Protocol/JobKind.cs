namespace ProcessFarm.Shared.Protocol;

/// <summary>What a job asks a worker to do; on the wire as the lower-case name.</summary>
public enum JobKind
{
    /// <summary>"lut": apply the exposure/gamma table to a tile (bin payload, or in place in the region).</summary>
    Lut,

    /// <summary>"echo": decode the payload and return it re-encoded, unchanged (transport benchmark).</summary>
    Echo,

    /// <summary>"fib": compute fib(n) recursively (CPU-bound demo); the result payload is the integer.</summary>
    Fib,

    /// <summary>
    /// "file": decode the image file at the <c>input</c> path, apply the table, encode it to the <c>output</c> path
    /// (written atomically) — the data's location travels instead of the data. The result payload is a map of
    /// what was done (size and times).
    /// </summary>
    File,
}
