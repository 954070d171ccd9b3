using MessagePack;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary><c>"fib"</c>: fib(n) by naive recursion, n from 0 to <see cref="MaxN"/>. Payload nil; the Result's payload is the integer.</summary>
/// <param name="N">"n".</param>
public sealed record FibParameters(int N) : JobParameters
{
    /// <summary>
    /// The largest n a worker accepts: naive recursion makes about 1.6^n calls, and fib(45) takes about 5 s on
    /// this project's 2-vCPU VM, so that no job runs for minutes (docs/PROTOCOL.md, "fib").
    /// </summary>
    public const int MaxN = 45;

    /// <inheritdoc/>
    public override JobKind Kind => JobKind.Fib;

    /// <inheritdoc/>
    public override PayloadRule Payload => PayloadRule.Nil;

    internal override void Write(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(1);
        writer.WriteString("n"u8);
        writer.Write(N);
    }

    internal static FibParameters From(in ParameterMap map)
    {
        map.Require(ParameterKeys.N, JobKind.Fib);
        return new FibParameters((int)ParameterMap.InRange(map.N, 0, MaxN, ParameterKeys.N));
    }
}
