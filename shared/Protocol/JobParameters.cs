namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// The parameter map of a job. Each kind reads the keys it needs (docs/PROTOCOL.md, "Job"); unknown keys are
/// ignored so that newer coordinators can add some.
/// </summary>
public readonly record struct JobParameters
{
    /// <summary>"ev": exposure in stops (lut).</summary>
    public double Ev { get; init; }

    /// <summary>"gamma": gamma, &gt; 0 (lut).</summary>
    public double Gamma { get; init; }

    /// <summary>"width": pixels per row of the tile (lut).</summary>
    public int Width { get; init; }

    /// <summary>"rows": rows in the tile (lut).</summary>
    public int Rows { get; init; }

    /// <summary>"channels": samples per pixel, 1..4 (lut); with 2 or 4 the last is alpha, left unchanged.</summary>
    public int Channels { get; init; }

    /// <summary>"bits": bits per sample, 8 or 16 (lut; 16-bit samples little-endian); absent or 0 means 8.</summary>
    public int Bits { get; init; }

    /// <summary>"offset": where the tile starts in the shared region's data area (shared-memory jobs).</summary>
    public long? Offset { get; init; }

    /// <summary>"length": bytes of the tile in the region (shared-memory jobs).</summary>
    public long? Length { get; init; }

    /// <summary>
    /// "output": where the transformed tile goes in the region's data area; absent means in place. Out of place
    /// keeps the source intact, so a tile whose worker died half-way can simply be run again.
    /// </summary>
    public long? Output { get; init; }

    /// <summary>"n": the argument of fib.</summary>
    public int N { get; init; }

    /// <summary>file: the image to read (a path on the worker's machine).</summary>
    public string? Input { get; init; }

    /// <summary>file: where to write the result; its extension picks the format.</summary>
    public string? OutputPath { get; init; }

    /// <summary>file: JPEG quality, 1..100 (0: the default, 90).</summary>
    public int Quality { get; init; }

    /// <summary>file: refuse images declaring more pixels than this (0: the default limit).</summary>
    public long MaxPixels { get; init; }

    /// <summary>file: "codec", which codec reads and writes JPEG and PNG: "auto" (absent), "native" or "imagesharp".</summary>
    public string? Codec { get; init; }

    /// <summary>Whether the job works on the shared region rather than on its payload.</summary>
    public bool InRegion => Offset.HasValue;
}
