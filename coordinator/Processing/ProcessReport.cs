using System.Text.Json.Serialization;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>What one <c>process</c> run did and how long each part took; printed as text or JSON (snake_case).</summary>
internal sealed record ProcessReport
{
    public required string Input { get; init; }

    public required string Output { get; init; }

    public required string Mode { get; init; }

    public required int Workers { get; init; }

    /// <summary>Cluster mode only: how tiles reached the nodes, "frames" or "rpc" (absent in the other modes).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Transport { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required int Channels { get; init; }

    /// <summary>Cluster mode: what each node did (left out of the JSON otherwise).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Cluster.NodeReport>? Nodes { get; init; }

    /// <summary>Bits per sample: 8 or 16.</summary>
    public int Bits { get; init; } = 8;

    /// <summary>The input's format, from its content ("generated" for the sample).</summary>
    public string Format { get; init; } = "generated";

    /// <summary>Which library decoded and which encoded: "libjpeg-turbo -> ImageSharp".</summary>
    public string Codecs { get; init; } = string.Empty;

    /// <summary>What of the input's metadata the output carries.</summary>
    public string Kept { get; init; } = string.Empty;

    /// <summary>What the run left out or did differently (a GIF's further frames, a palette).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public required long PixelBytes { get; init; }

    public required int Tiles { get; init; }

    public required int TileRows { get; init; }

    public required string Kernel { get; init; }

    public required double Ev { get; init; }

    public required double Gamma { get; init; }

    /// <summary>Decoding the input, or generating the sample.</summary>
    public required double DecodeMs { get; init; }

    /// <summary>Wall time of the LUT pass over all tiles, transport included.</summary>
    public required double ProcessMs { get; init; }

    public required double EncodeMs { get; init; }

    public required double TotalMs { get; init; }

    /// <summary>Worker start-up (spawn to handshake), overlapped with decoding; 0 in-process.</summary>
    public required double WorkerStartMs { get; init; }

    /// <summary>Time inside the kernel, summed over threads or workers.</summary>
    public required double KernelMs { get; init; }

    /// <summary>Pixel bytes per second of process_ms.</summary>
    public required double KernelThroughputGbps { get; init; }

    public required double SerializeMs { get; init; }

    public required double DeserializeMs { get; init; }

    public required double WorkerTotalMs { get; init; }

    /// <summary>Round trips less worker time, summed over jobs: the transfers and the waiting (process modes).</summary>
    public required double TransferMs { get; init; }

    public required double SetupMs { get; init; }

    public required int PixelCopies { get; init; }

    /// <summary>Workers written off during the command: died, hung (killed after the job timeout), failed to start.</summary>
    public required int WorkerDeaths { get; init; }

    /// <summary>Replacements started for them.</summary>
    public required int WorkersReplaced { get; init; }

    /// <summary>Tiles sent to another worker because theirs died.</summary>
    public required int TilesRetried { get; init; }

    /// <summary>True when decode, kernel and encode overlapped strip by strip; the three times are then busy times, not consecutive.</summary>
    public bool Streamed { get; init; }

    /// <summary>Strips streamed (0 for a whole-image run).</summary>
    public int Strips { get; init; }

    /// <summary>Rows per strip (0 for a whole-image run).</summary>
    public int StripRows { get; init; }

    /// <summary>From the start to the first strip decoded (streaming only).</summary>
    public double FirstStripMs { get; init; }

    /// <summary>Pixel memory the run held at once: the strip ring when streaming, the whole image otherwise (twice in shm: source and output halves).</summary>
    public required long PixelMemoryBytes { get; init; }

    /// <summary>The coordinator's peak resident set size (VmHWM) at the end of the run; workers not included.</summary>
    public required long PeakRssBytes { get; init; }

    [JsonIgnore]
    public bool IsSample => Input.StartsWith("sample ", StringComparison.Ordinal);
}
