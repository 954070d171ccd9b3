using MessagePack;
using ProcessFarm.Shared.Protocol.Internal;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// <c>"echo_region"</c>: the worker checks that <c>[offset, offset + length)</c> lies in the attached region's data
/// area and answers a nil payload; what an shm descriptor costs without any work. Payload nil.
/// </summary>
/// <param name="Offset">"offset" in the data area.</param>
/// <param name="Length">"length" in bytes; 0 is allowed.</param>
public sealed record EchoRegionParameters(long Offset, long Length) : JobParameters
{
    /// <inheritdoc/>
    public override JobKind Kind => JobKind.EchoRegion;

    /// <inheritdoc/>
    public override PayloadRule Payload => PayloadRule.Nil;

    internal override void Write(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(2);
        writer.WriteString("offset"u8);
        writer.Write(Offset);
        writer.WriteString("length"u8);
        writer.Write(Length);
    }

    internal static EchoRegionParameters From(in ParameterMap map)
    {
        map.Require(ParameterKeys.Offset | ParameterKeys.Length, JobKind.EchoRegion);
        return new EchoRegionParameters(ParameterMap.Place(map.Offset, ParameterKeys.Offset), ParameterMap.Place(map.Length, ParameterKeys.Length));
    }
}
