using MessagePack;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// A job's parameter map (docs/PROTOCOL.md, "Job"): one sealed type per job kind, holding exactly the keys its kind
/// takes, each already checked against its documented range when read.
/// </summary>
public abstract record JobParameters
{
    private protected JobParameters()
    {
    }

    /// <summary>The job kind these parameters belong to.</summary>
    public abstract JobKind Kind { get; }

    /// <summary>What the Job frame's payload must be.</summary>
    public abstract PayloadRule Payload { get; }

    /// <summary>The kind's name on the wire.</summary>
    public static ReadOnlySpan<byte> WireName(JobKind kind) => kind switch
    {
        JobKind.Lut => "lut"u8,
        JobKind.LutRegion => "lut_region"u8,
        JobKind.Echo => "echo"u8,
        JobKind.EchoRegion => "echo_region"u8,
        JobKind.Fib => "fib"u8,
        JobKind.File => "file"u8,
        JobKind.FileBytes => "file_bytes"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Writes the parameter map.</summary>
    internal abstract void Write(ref MessagePackWriter writer);

    /// <summary>Reads the parameter map of a job of <paramref name="kind"/>; keys of other kinds are skipped as unknown.</summary>
    /// <exception cref="ProtocolException">A missing key or a value outside its range (InvalidArgument).</exception>
    internal static JobParameters Read(JobKind kind, ref MessagePackReader reader)
    {
        var map = ParameterMap.Read(ref reader, AcceptedKeys(kind));
        return kind switch
        {
            JobKind.Lut => LutTileParameters.From(map),
            JobKind.LutRegion => LutRegionParameters.From(map),
            JobKind.Echo => EchoParameters.Instance,
            JobKind.EchoRegion => EchoRegionParameters.From(map),
            JobKind.Fib => FibParameters.From(map),
            JobKind.FileBytes => FileBytesJobParameters.From(map),
            _ => FileJobParameters.From(map),
        };
    }

    private static ParameterKeys AcceptedKeys(JobKind kind) => kind switch
    {
        JobKind.Lut => ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.Width | ParameterKeys.Rows | ParameterKeys.Channels | ParameterKeys.Bits,
        JobKind.LutRegion => ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.Width | ParameterKeys.Rows | ParameterKeys.Channels
            | ParameterKeys.Bits | ParameterKeys.Offset | ParameterKeys.OutputOffset,
        JobKind.EchoRegion => ParameterKeys.Offset | ParameterKeys.Length,
        JobKind.Fib => ParameterKeys.N,
        JobKind.File => ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.InputPath | ParameterKeys.OutputPath
            | ParameterKeys.Quality | ParameterKeys.MaxPixels | ParameterKeys.Codec,
        JobKind.FileBytes => ParameterKeys.Ev | ParameterKeys.Gamma | ParameterKeys.OutputExtension
            | ParameterKeys.Quality | ParameterKeys.MaxPixels | ParameterKeys.Codec | ParameterKeys.MaxBytes,
        _ => ParameterKeys.None,
    };
}
