using MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// <c>"echo"</c>: no keys. The payload is any one value; the Result returns it, a bin as it is and anything else
/// decoded and encoded again token by token.
/// </summary>
public sealed record EchoParameters : JobParameters
{
    private EchoParameters()
    {
    }

    /// <summary>The only instance: echo has no parameters.</summary>
    public static EchoParameters Instance { get; } = new();

    /// <inheritdoc/>
    public override JobKind Kind => JobKind.Echo;

    /// <inheritdoc/>
    public override PayloadRule Payload => PayloadRule.Any;

    internal override void Write(ref MessagePackWriter writer) => writer.WriteMapHeader(0);
}
