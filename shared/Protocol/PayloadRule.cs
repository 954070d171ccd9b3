namespace ProcessFarm.Shared.Protocol;

/// <summary>What a Job frame's payload must be for its kind; anything else is InvalidArgument.</summary>
public enum PayloadRule
{
    /// <summary>nil: the job's data is elsewhere (the region, a file) or it has none (fib).</summary>
    Nil,

    /// <summary>A bin: the tile's bytes.</summary>
    Bin,

    /// <summary>Any one value, nil included.</summary>
    Any,
}
