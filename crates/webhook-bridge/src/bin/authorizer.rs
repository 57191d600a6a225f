//! The REST API's key authorizer (`ApiKeySourceType: AUTHORIZER`): tells API Gateway which
//! header holds the caller's API key, so `Authorization: Bearer <key>` works beside `x-api-key`.
//! API Gateway itself checks the key against the usage plans.

use lambda_http::aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use lambda_http::lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    webhook_bridge::init_logging();
    webhook_bridge::serve(service_fn(
        |event: LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest>| async move {
            let request = event.payload;
            let method_arn = request.method_arn.unwrap_or_default();
            // Err("Unauthorized") is how a Lambda authorizer asks API Gateway for its 401.
            webhook_bridge::authorize_api_key(&request.headers, &method_arn).map_err(Error::from)
        },
    ))
    .await?;
    Ok(())
}
