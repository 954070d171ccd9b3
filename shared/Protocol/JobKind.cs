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
}
