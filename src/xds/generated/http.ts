import type { EnumTypeDefinition } from '@grpc/proto-loader';


export interface ProtoGrpcType {
  envoy: {
    type: {
      v3: {
        CodecClientType: EnumTypeDefinition
      }
    }
  }
}

