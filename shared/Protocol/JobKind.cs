namespace ProcessFarm.Shared.Protocol;

/// <summary>What a job asks a worker to do; on the wire as the name in quotes (docs/PROTOCOL.md, "Job").</summary>
public enum JobKind
{
    /// <summary>"lut": apply the exposure/gamma table to a tile carried as the bin payload.</summary>
    Lut,

    /// <summary>"lut_region": apply the table to a tile in the attached shared-memory region, in place or to another place.</summary>
    LutRegion,

    /// <summary>"echo": decode the payload and return it re-encoded, unchanged (transport benchmark).</summary>
    Echo,

    /// <summary>"echo_region": check a descriptor against the attached region and answer nil (shm transport benchmark).</summary>
    EchoRegion,

    /// <summary>"fib": compute fib(n) by naive recursion (CPU-bound demo); the result payload is the integer.</summary>
    Fib,

    /// <summary>
    /// "file": decode the image file at <c>input_path</c>, apply the table, write <c>output_path</c> atomically: the
    /// data's location travels instead of the data. The result payload is a map of what was done.
    /// </summary>
    File,

    /// <summary>
    /// "file_bytes": the same work on an encoded image carried as the bin payload, for nodes that share no storage
    /// with the coordinator; the result payload is the map of <see cref="File"/> with the encoded output added.
    /// </summary>
    FileBytes,
}
