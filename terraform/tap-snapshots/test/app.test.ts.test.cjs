/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/app.test.ts > TAP > production: snapshot > production stack 1`] = `
Object {
  "data": Object {
    "aws_secretsmanager_random_password": Object {
      "admin-token_generated_6331C829": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 48,
        "require_each_included_type": true,
      },
      "cache_auth-token_generated_79721759": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 64,
        "require_each_included_type": true,
      },
      "database_app-password_generated_4AC28315": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 40,
        "require_each_included_type": true,
      },
      "events-signing-key_generated_D76E12AC": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 64,
        "require_each_included_type": true,
      },
    },
  },
  "output": Object {
    "admin_token_secret_arn": Object {
      "description": "ADMIN_TOKEN (rotate: README runbook)",
      "value": "\${aws_secretsmanager_secret_version.admin-token_value_42B83CBC.arn}",
    },
    "alarm_topic_arn": Object {
      "description": "Alarm and budget notifications",
      "value": "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
    },
    "cluster_name": Object {
      "description": "The ECS cluster",
      "value": "\${aws_ecs_cluster.cluster_A4C38409.name}",
    },
    "dashboard_name": Object {
      "description": "The CloudWatch dashboard",
      "value": "flagstone-production",
    },
    "database_master_secret_arn": Object {
      "description": "RDS-managed master credentials",
      "value": "\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}",
    },
    "database_url_secret_arn": Object {
      "description": "DATABASE_URL",
      "value": "\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}",
    },
    "db_bootstrap_run_task": Object {
      "description": "aws ecs run-task input for the database role bootstrap",
      "value": Object {
        "cluster": "\${aws_ecs_cluster.cluster_A4C38409.name}",
        "launchType": "FARGATE",
        "networkConfiguration": Object {
          "awsvpcConfiguration": Object {
            "assignPublicIp": "DISABLED",
            "securityGroups": Array [
              "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
            ],
            "subnets": Array [
              "\${aws_subnet.network_private-0_A0649C48.id}",
              "\${aws_subnet.network_private-1_4188AF2B.id}",
            ],
          },
        },
        "taskDefinition": "\${aws_ecs_task_definition.jobs_db-bootstrap_1535A897.family}",
      },
    },
    "ecr_repository_url": Object {
      "description": "Push \`<tag>\` and \`<tag>-migrate\` here",
      "value": "\${aws_ecr_repository.registry_repository_BAFE171E.repository_url}",
    },
    "load_balancer_dns_name": Object {
      "description": "Point the service DNS name here",
      "value": "\${aws_lb.load-balancer_alb_15AADC07.dns_name}",
    },
    "log_group_name": Object {
      "description": "Container logs (service, migrate, db-bootstrap)",
      "value": "\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}",
    },
    "migrate_run_task": Object {
      "description": "aws ecs run-task input for the migrations",
      "value": Object {
        "cluster": "\${aws_ecs_cluster.cluster_A4C38409.name}",
        "launchType": "FARGATE",
        "networkConfiguration": Object {
          "awsvpcConfiguration": Object {
            "assignPublicIp": "DISABLED",
            "securityGroups": Array [
              "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
            ],
            "subnets": Array [
              "\${aws_subnet.network_private-0_A0649C48.id}",
              "\${aws_subnet.network_private-1_4188AF2B.id}",
            ],
          },
        },
        "taskDefinition": "\${aws_ecs_task_definition.jobs_migrate_10B0C5B9.family}",
      },
    },
    "service_name": Object {
      "description": "The ECS service",
      "value": "\${aws_ecs_service.service_E7C408F2.name}",
    },
  },
  "provider": Object {
    "aws": Array [
      Object {
        "allowed_account_ids": Array [
          "222222222222",
        ],
        "default_tags": Array [
          Object {
            "tags": Object {
              "Environment": "production",
              "ManagedBy": "terraform",
              "Project": "flagstone",
            },
          },
        ],
        "region": "eu-west-1",
      },
    ],
  },
  "resource": Object {
    "aws_appautoscaling_policy": Object {
      "service_scale-on-cpu_D22D29A6": Object {
        "name": "flagstone-production-cpu",
        "policy_type": "TargetTrackingScaling",
        "resource_id": "\${aws_appautoscaling_target.service_scaling_A255B352.resource_id}",
        "scalable_dimension": "\${aws_appautoscaling_target.service_scaling_A255B352.scalable_dimension}",
        "service_namespace": "\${aws_appautoscaling_target.service_scaling_A255B352.service_namespace}",
        "target_tracking_scaling_policy_configuration": Object {
          "predefined_metric_specification": Object {
            "predefined_metric_type": "ECSServiceAverageCPUUtilization",
          },
          "scale_in_cooldown": 300,
          "scale_out_cooldown": 60,
          "target_value": 60,
        },
      },
      "service_scale-on-requests_3DD56E45": Object {
        "name": "flagstone-production-requests-per-task",
        "policy_type": "TargetTrackingScaling",
        "resource_id": "\${aws_appautoscaling_target.service_scaling_A255B352.resource_id}",
        "scalable_dimension": "\${aws_appautoscaling_target.service_scaling_A255B352.scalable_dimension}",
        "service_namespace": "\${aws_appautoscaling_target.service_scaling_A255B352.service_namespace}",
        "target_tracking_scaling_policy_configuration": Object {
          "customized_metric_specification": Object {
            "metrics": Array [
              Object {
                "id": "blue",
                "metric_stat": Object {
                  "metric": Object {
                    "dimensions": Array [
                      Object {
                        "name": "LoadBalancer",
                        "value": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                      },
                      Object {
                        "name": "TargetGroup",
                        "value": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}",
                      },
                    ],
                    "metric_name": "RequestCountPerTarget",
                    "namespace": "AWS/ApplicationELB",
                  },
                  "stat": "Sum",
                },
                "return_data": false,
              },
              Object {
                "id": "green",
                "metric_stat": Object {
                  "metric": Object {
                    "dimensions": Array [
                      Object {
                        "name": "LoadBalancer",
                        "value": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                      },
                      Object {
                        "name": "TargetGroup",
                        "value": "\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}",
                      },
                    ],
                    "metric_name": "RequestCountPerTarget",
                    "namespace": "AWS/ApplicationELB",
                  },
                  "stat": "Sum",
                },
                "return_data": false,
              },
              Object {
                "expression": "FILL(blue, 0) + FILL(green, 0)",
                "id": "requests_per_task",
                "label": "Requests per task per minute (both target groups)",
                "return_data": true,
              },
            ],
          },
          "scale_in_cooldown": 300,
          "scale_out_cooldown": 60,
          "target_value": 3000,
        },
      },
    },
    "aws_appautoscaling_target": Object {
      "service_scaling_A255B352": Object {
        "max_capacity": 8,
        "min_capacity": 2,
        "resource_id": "service/\${aws_ecs_cluster.cluster_A4C38409.name}/\${aws_ecs_service.service_E7C408F2.name}",
        "scalable_dimension": "ecs:service:DesiredCount",
        "service_namespace": "ecs",
      },
    },
    "aws_budgets_budget": Object {
      "budget_16939279": Object {
        "account_id": "222222222222",
        "budget_type": "COST",
        "cost_filter": Array [
          Object {
            "name": "TagKeyValue",
            "values": Array [
              "user:Environment$production",
            ],
          },
        ],
        "limit_amount": "50.00",
        "limit_unit": "USD",
        "name": "flagstone-production-monthly",
        "notification": Array [
          Object {
            "comparison_operator": "GREATER_THAN",
            "notification_type": "ACTUAL",
            "subscriber_sns_topic_arns": Array [
              "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
            ],
            "threshold": 80,
            "threshold_type": "PERCENTAGE",
          },
          Object {
            "comparison_operator": "GREATER_THAN",
            "notification_type": "FORECASTED",
            "subscriber_sns_topic_arns": Array [
              "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
            ],
            "threshold": 100,
            "threshold_type": "PERCENTAGE",
          },
        ],
        "time_unit": "MONTHLY",
      },
    },
    "aws_cloudwatch_composite_alarm": Object {
      "monitoring_deployment-health_9797D650": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Any alarm that rolls back a deployment is firing. ECS watches the member alarms themselves; this summary is for people and the dashboard. Runbook (README): \\"deployment-health\\".",
        "alarm_name": "flagstone-production-deployment-health",
        "alarm_rule": "ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_http-5xx-rate_DF9DE37F.alarm_name}\\") OR ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_p95-latency_D6AE46ED.alarm_name}\\") OR ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_unhealthy-targets_3A8B5675.alarm_name}\\") OR ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-connection-failures_9A8E5BD5.alarm_name}\\")",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
      },
    },
    "aws_cloudwatch_dashboard": Object {
      "monitoring_dashboard_4CE328EF": Object {
        "dashboard_body": "{\\"widgets\\":[{\\"type\\":\\"alarm\\",\\"x\\":0,\\"y\\":0,\\"width\\":24,\\"height\\":3,\\"properties\\":{\\"title\\":\\"Alarms\\",\\"alarms\\":[\\"\${aws_cloudwatch_metric_alarm.monitoring_http-5xx-rate_DF9DE37F.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_p95-latency_D6AE46ED.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_unhealthy-targets_3A8B5675.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-connection-failures_9A8E5BD5.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_cache-miss-rate_4BCE6FA2.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-engine-cpu_C0232FB7.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-evictions_2CDB36E0.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_database-cpu_CD46D3A6.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_database-free-storage_B2CE1D39.arn}\\",\\"\${aws_cloudwatch_composite_alarm.monitoring_deployment-health_9797D650.arn}\\"]}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":3,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Requests\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"RequestCount\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\"]]}},{\\"type\\":\\"metric\\",\\"x\\":8,\\"y\\":3,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"5xx rate (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"HTTPCode_Target_5XX_Count\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"id\\":\\"t5\\",\\"visible\\":false}],[\\"AWS/ApplicationELB\\",\\"HTTPCode_ELB_5XX_Count\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"id\\":\\"e5\\",\\"visible\\":false}],[\\"AWS/ApplicationELB\\",\\"RequestCount\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"id\\":\\"rq\\",\\"visible\\":false}],[{\\"expression\\":\\"100 * (FILL(t5, 0) + FILL(e5, 0)) / rq\\",\\"label\\":\\"5xx %\\",\\"id\\":\\"rate\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":16,\\"y\\":3,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Target response time p95 (s)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"p95\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"TargetResponseTime\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\"]],\\"annotations\\":{\\"horizontal\\":[{\\"label\\":\\"alarm\\",\\"value\\":0.2}]}}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":9,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Unhealthy / healthy tasks (HTTP and sync target groups)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":8,\\"y\\":9,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Flag reads and cache miss rate (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"Flagstone\\",\\"FlagReads\\",\\"ServiceName\\",\\"flagstone-production\\"],[\\"Flagstone\\",\\"CacheMissRate\\",\\"ServiceName\\",\\"flagstone-production\\",{\\"stat\\":\\"Average\\",\\"yAxis\\":\\"right\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":16,\\"y\\":9,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Redis connection failures per minute\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"Flagstone\\",\\"RedisConnectionFailures\\",\\"ServiceName\\",\\"flagstone-production\\"]]}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":15,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Redis engine CPU (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ElastiCache\\",\\"EngineCPUUtilization\\",\\"CacheClusterId\\",\\"flagstone-production-001\\",{\\"stat\\":\\"Average\\"}],[\\"AWS/ElastiCache\\",\\"EngineCPUUtilization\\",\\"CacheClusterId\\",\\"flagstone-production-002\\",{\\"stat\\":\\"Average\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":8,\\"y\\":15,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Redis evictions\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ElastiCache\\",\\"Evictions\\",\\"CacheClusterId\\",\\"flagstone-production-001\\",{\\"stat\\":\\"Sum\\"}],[\\"AWS/ElastiCache\\",\\"Evictions\\",\\"CacheClusterId\\",\\"flagstone-production-002\\",{\\"stat\\":\\"Sum\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":16,\\"y\\":15,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"PostgreSQL CPU (%) and free storage (bytes)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/RDS\\",\\"CPUUtilization\\",\\"DBInstanceIdentifier\\",\\"\${aws_db_instance.database_postgres_3F7927C4.identifier}\\",{\\"stat\\":\\"Average\\"}],[\\"AWS/RDS\\",\\"FreeStorageSpace\\",\\"DBInstanceIdentifier\\",\\"\${aws_db_instance.database_postgres_3F7927C4.identifier}\\",{\\"stat\\":\\"Minimum\\",\\"yAxis\\":\\"right\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":21,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"ECS service CPU and memory (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ECS\\",\\"CPUUtilization\\",\\"ClusterName\\",\\"\${aws_ecs_cluster.cluster_A4C38409.name}\\",\\"ServiceName\\",\\"\${aws_ecs_service.service_E7C408F2.name}\\",{\\"stat\\":\\"Average\\"}],[\\"AWS/ECS\\",\\"MemoryUtilization\\",\\"ClusterName\\",\\"\${aws_ecs_cluster.cluster_A4C38409.name}\\",\\"ServiceName\\",\\"\${aws_ecs_service.service_E7C408F2.name}\\",{\\"stat\\":\\"Average\\"}]]}}]}",
        "dashboard_name": "flagstone-production",
      },
    },
    "aws_cloudwatch_log_group": Object {
      "cluster_logs_1669D170": Object {
        "name": "/ecs/flagstone-production",
        "retention_in_days": 90,
      },
      "database_logs_2CFAA6CA": Object {
        "name": "/aws/rds/instance/flagstone-production/postgresql",
        "retention_in_days": 90,
      },
      "network_flow-logs_D7C94307": Object {
        "name": "/vpc/flagstone-production/flow-logs",
        "retention_in_days": 90,
      },
    },
    "aws_cloudwatch_metric_alarm": Object {
      "monitoring_cache-miss-rate_4BCE6FA2": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "More than the allowed share of flag reads missed both caches for 5 minutes. Runbook (README): \\"cache-miss-rate\\".",
        "alarm_name": "flagstone-production-cache-miss-rate",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 5,
        "dimensions": Object {
          "ServiceName": "flagstone-production",
        },
        "evaluation_periods": 5,
        "metric_name": "CacheMissRate",
        "namespace": "Flagstone",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 60,
        "statistic": "Average",
        "threshold": 20,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_database-cpu_CD46D3A6": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "PostgreSQL CPU above the threshold for 10 minutes. Runbook (README): \\"database-cpu\\".",
        "alarm_name": "flagstone-production-database-cpu",
        "comparison_operator": "GreaterThanThreshold",
        "dimensions": Object {
          "DBInstanceIdentifier": "\${aws_db_instance.database_postgres_3F7927C4.identifier}",
        },
        "evaluation_periods": 2,
        "metric_name": "CPUUtilization",
        "namespace": "AWS/RDS",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 300,
        "statistic": "Average",
        "threshold": 80,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_database-free-storage_B2CE1D39": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "PostgreSQL free storage below 2147483648 bytes. Runbook (README): \\"database-free-storage\\".",
        "alarm_name": "flagstone-production-database-free-storage",
        "comparison_operator": "LessThanThreshold",
        "dimensions": Object {
          "DBInstanceIdentifier": "\${aws_db_instance.database_postgres_3F7927C4.identifier}",
        },
        "evaluation_periods": 1,
        "metric_name": "FreeStorageSpace",
        "namespace": "AWS/RDS",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 300,
        "statistic": "Minimum",
        "threshold": 2147483648,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_http-5xx-rate_DF9DE37F": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "More than the allowed share of requests failed with 5xx (target + load balancer) for 3 of 5 minutes. Rolls back a deployment in progress. Runbook (README): \\"http-5xx-rate\\".",
        "alarm_name": "flagstone-production-http-5xx-rate",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 3,
        "evaluation_periods": 5,
        "metric_query": Array [
          Object {
            "id": "target5xx",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
              },
              "metric_name": "HTTPCode_Target_5XX_Count",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "id": "elb5xx",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
              },
              "metric_name": "HTTPCode_ELB_5XX_Count",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "id": "requests",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
              },
              "metric_name": "RequestCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "expression": "IF(FILL(requests, 0) > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 0), 0)",
            "id": "result",
            "label": "5xx responses (% of requests)",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 1,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_p95-latency_D6AE46ED": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "p95 target response time above the threshold for 3 of 5 minutes. Rolls back a deployment in progress. Runbook (README): \\"p95-latency\\".",
        "alarm_name": "flagstone-production-p95-latency",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 3,
        "dimensions": Object {
          "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
        },
        "evaluation_periods": 5,
        "extended_statistic": "p95",
        "metric_name": "TargetResponseTime",
        "namespace": "AWS/ApplicationELB",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 60,
        "threshold": 0.2,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_redis-connection-failures_9A8E5BD5": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Tasks failed to reach Redis more than the allowed times per minute (2 of 3 minutes); reads fall back to PostgreSQL. Rolls back a deployment in progress. Runbook (README): \\"redis-connection-failures\\".",
        "alarm_name": "flagstone-production-redis-connection-failures",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 2,
        "dimensions": Object {
          "ServiceName": "flagstone-production",
        },
        "evaluation_periods": 3,
        "metric_name": "RedisConnectionFailures",
        "namespace": "Flagstone",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 60,
        "statistic": "Sum",
        "threshold": 5,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_redis-engine-cpu_C0232FB7": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Redis engine CPU above the threshold for 5 minutes on a node. Runbook (README): \\"redis-engine-cpu\\".",
        "alarm_name": "flagstone-production-redis-engine-cpu",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 5,
        "evaluation_periods": 5,
        "metric_query": Array [
          Object {
            "id": "node1",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-production-001",
              },
              "metric_name": "EngineCPUUtilization",
              "namespace": "AWS/ElastiCache",
              "period": 60,
              "stat": "Average",
            },
            "return_data": false,
          },
          Object {
            "id": "node2",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-production-002",
              },
              "metric_name": "EngineCPUUtilization",
              "namespace": "AWS/ElastiCache",
              "period": 60,
              "stat": "Average",
            },
            "return_data": false,
          },
          Object {
            "expression": "MAX([FILL(node1, 0), FILL(node2, 0)])",
            "id": "result",
            "label": "Redis engine CPU (busiest node, %)",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 80,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_redis-evictions_2CDB36E0": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Redis evicted keys for lack of memory. Runbook (README): \\"redis-evictions\\".",
        "alarm_name": "flagstone-production-redis-evictions",
        "comparison_operator": "GreaterThanThreshold",
        "evaluation_periods": 1,
        "metric_query": Array [
          Object {
            "id": "node1",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-production-001",
              },
              "metric_name": "Evictions",
              "namespace": "AWS/ElastiCache",
              "period": 300,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "id": "node2",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-production-002",
              },
              "metric_name": "Evictions",
              "namespace": "AWS/ElastiCache",
              "period": 300,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "expression": "MAX([FILL(node1, 0), FILL(node2, 0)])",
            "id": "result",
            "label": "Redis evictions per 5 minutes (busiest node)",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 100,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_unhealthy-targets_3A8B5675": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "A task failed a target health check for 3 minutes: /health/ready, or the sync port's gRPC health check (any target group). Rolls back a deployment in progress. Runbook (README): \\"unhealthy-targets\\".",
        "alarm_name": "flagstone-production-unhealthy-targets",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 3,
        "evaluation_periods": 3,
        "metric_query": Array [
          Object {
            "id": "blue",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "id": "green",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "id": "syncblue",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "id": "syncgreen",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "expression": "MAX([FILL(blue, 0), FILL(green, 0), FILL(syncblue, 0), FILL(syncgreen, 0)])",
            "id": "result",
            "label": "Unhealthy tasks",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 0,
        "treat_missing_data": "notBreaching",
      },
    },
    "aws_db_instance": Object {
      "database_postgres_3F7927C4": Object {
        "allocated_storage": 20,
        "apply_immediately": false,
        "auto_minor_version_upgrade": true,
        "backup_retention_period": 14,
        "backup_window": "02:00-03:00",
        "copy_tags_to_snapshot": true,
        "db_name": "flagstone",
        "db_subnet_group_name": "\${aws_db_subnet_group.database_subnets_53A37123.name}",
        "deletion_protection": true,
        "depends_on": Array [
          "aws_cloudwatch_log_group.database_logs_2CFAA6CA",
        ],
        "enabled_cloudwatch_logs_exports": Array [
          "postgresql",
        ],
        "engine": "postgres",
        "engine_version": "16",
        "final_snapshot_identifier": "flagstone-production-final",
        "identifier": "flagstone-production",
        "instance_class": "db.t4g.small",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "maintenance_window": "sun:03:30-sun:04:30",
        "manage_master_user_password": true,
        "master_user_secret_kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "max_allocated_storage": 100,
        "multi_az": true,
        "parameter_group_name": "\${aws_db_parameter_group.database_parameters_58B6739C.name}",
        "performance_insights_enabled": false,
        "port": 5432,
        "publicly_accessible": false,
        "skip_final_snapshot": false,
        "storage_encrypted": true,
        "storage_type": "gp3",
        "username": "flagstone_admin",
        "vpc_security_group_ids": Array [
          "\${aws_security_group.security-groups_database_D8550215.id}",
        ],
      },
    },
    "aws_db_parameter_group": Object {
      "database_parameters_58B6739C": Object {
        "description": "flagstone-production: TLS only, slow statements logged",
        "family": "postgres16",
        "lifecycle": Object {
          "create_before_destroy": true,
        },
        "name": "flagstone-production-postgres16",
        "parameter": Array [
          Object {
            "name": "rds.force_ssl",
            "value": "1",
          },
          Object {
            "name": "log_min_duration_statement",
            "value": "1000",
          },
        ],
      },
    },
    "aws_db_subnet_group": Object {
      "database_subnets_53A37123": Object {
        "description": "flagstone-production private subnets",
        "name": "flagstone-production",
        "subnet_ids": Array [
          "\${aws_subnet.network_private-0_A0649C48.id}",
          "\${aws_subnet.network_private-1_4188AF2B.id}",
        ],
      },
    },
    "aws_ecr_lifecycle_policy": Object {
      "registry_lifecycle_20133E5C": Object {
        "policy": "{\\"rules\\":[{\\"rulePriority\\":1,\\"description\\":\\"Keep the newest 50 images\\",\\"selection\\":{\\"tagStatus\\":\\"any\\",\\"countType\\":\\"imageCountMoreThan\\",\\"countNumber\\":50},\\"action\\":{\\"type\\":\\"expire\\"}}]}",
        "repository": "\${aws_ecr_repository.registry_repository_BAFE171E.name}",
      },
    },
    "aws_ecr_repository": Object {
      "registry_repository_BAFE171E": Object {
        "encryption_configuration": Array [
          Object {
            "encryption_type": "AES256",
          },
        ],
        "force_delete": false,
        "image_scanning_configuration": Object {
          "scan_on_push": true,
        },
        "image_tag_mutability": "IMMUTABLE",
        "name": "flagstone-production",
      },
    },
    "aws_ecs_cluster": Object {
      "cluster_A4C38409": Object {
        "name": "flagstone-production",
        "setting": Array [
          Object {
            "name": "containerInsights",
            "value": "enabled",
          },
        ],
      },
    },
    "aws_ecs_service": Object {
      "service_E7C408F2": Object {
        "alarms": Object {
          "alarm_names": Array [
            "\${aws_cloudwatch_metric_alarm.monitoring_http-5xx-rate_DF9DE37F.alarm_name}",
            "\${aws_cloudwatch_metric_alarm.monitoring_p95-latency_D6AE46ED.alarm_name}",
            "\${aws_cloudwatch_metric_alarm.monitoring_unhealthy-targets_3A8B5675.alarm_name}",
            "\${aws_cloudwatch_metric_alarm.monitoring_redis-connection-failures_9A8E5BD5.alarm_name}",
          ],
          "enable": true,
          "rollback": true,
        },
        "cluster": "\${aws_ecs_cluster.cluster_A4C38409.arn}",
        "depends_on": Array [
          "aws_iam_role_policy_attachment.service_load-balancer-role-policy_335DB9A2",
        ],
        "deployment_configuration": Object {
          "bake_time_in_minutes": "15",
          "canary_configuration": Object {
            "canary_bake_time_in_minutes": "60",
            "canary_percent": 5,
          },
          "strategy": "CANARY",
        },
        "deployment_controller": Object {
          "type": "ECS",
        },
        "desired_count": 2,
        "enable_ecs_managed_tags": true,
        "health_check_grace_period_seconds": 60,
        "launch_type": "FARGATE",
        "lifecycle": Object {
          "ignore_changes": Array [
            "desired_count",
            "load_balancer",
          ],
        },
        "load_balancer": Array [
          Object {
            "advanced_configuration": Object {
              "alternate_target_group_arn": "\${aws_lb_target_group.load-balancer_green_EA606101.arn}",
              "production_listener_rule": "\${aws_lb_listener_rule.load-balancer_production_86B27059.arn}",
              "role_arn": "\${aws_iam_role.service_load-balancer-role_532371F0.arn}",
            },
            "container_name": "flagstone",
            "container_port": 3000,
            "target_group_arn": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn}",
          },
          Object {
            "advanced_configuration": Object {
              "alternate_target_group_arn": "\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn}",
              "production_listener_rule": "\${aws_lb_listener_rule.load-balancer_sync-production_07581429.arn}",
              "role_arn": "\${aws_iam_role.service_load-balancer-role_532371F0.arn}",
            },
            "container_name": "flagstone",
            "container_port": 8015,
            "target_group_arn": "\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn}",
          },
        ],
        "name": "flagstone-production",
        "network_configuration": Object {
          "assign_public_ip": false,
          "security_groups": Array [
            "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
          ],
          "subnets": Array [
            "\${aws_subnet.network_private-0_A0649C48.id}",
            "\${aws_subnet.network_private-1_4188AF2B.id}",
          ],
        },
        "platform_version": "LATEST",
        "propagate_tags": "SERVICE",
        "task_definition": "\${aws_ecs_task_definition.service_task_93374F48.arn}",
      },
    },
    "aws_ecs_task_definition": Object {
      "jobs_db-bootstrap_1535A897": Object {
        "container_definitions": "[{\\"name\\":\\"db-bootstrap\\",\\"image\\":\\"public.ecr.aws/docker/library/postgres:16-alpine\\",\\"essential\\":true,\\"command\\":[\\"sh\\",\\"-c\\",\\"set -eu\\\\npsql -v ON_ERROR_STOP=1 -v app_user=\\\\\\"$APP_DB_USER\\\\\\" -v app_password=\\\\\\"$APP_DB_PASSWORD\\\\\\" -v db_name=\\\\\\"$PGDATABASE\\\\\\" <<'SQL'\\\\nSELECT format('CREATE ROLE %I LOGIN', :'app_user')\\\\n  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \\\\\\\\gexec\\\\nALTER ROLE :\\\\\\"app_user\\\\\\" WITH LOGIN PASSWORD :'app_password';\\\\nGRANT CONNECT, TEMPORARY ON DATABASE :\\\\\\"db_name\\\\\\" TO :\\\\\\"app_user\\\\\\";\\\\nGRANT USAGE, CREATE ON SCHEMA public TO :\\\\\\"app_user\\\\\\";\\\\nSQL\\\\necho \\\\\\"role $APP_DB_USER is ready\\\\\\"\\"],\\"environment\\":[{\\"name\\":\\"APP_DB_USER\\",\\"value\\":\\"flagstone_app\\"},{\\"name\\":\\"PGDATABASE\\",\\"value\\":\\"flagstone\\"},{\\"name\\":\\"PGHOST\\",\\"value\\":\\"\${aws_db_instance.database_postgres_3F7927C4.address}\\"},{\\"name\\":\\"PGPORT\\",\\"value\\":\\"5432\\"},{\\"name\\":\\"PGSSLMODE\\",\\"value\\":\\"require\\"}],\\"secrets\\":[{\\"name\\":\\"APP_DB_PASSWORD\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.database_app-password_value_11C2F531.arn}\\"},{\\"name\\":\\"PGPASSWORD\\",\\"valueFrom\\":\\"\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}:password::\\"},{\\"name\\":\\"PGUSER\\",\\"valueFrom\\":\\"\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}:username::\\"}],\\"linuxParameters\\":{\\"initProcessEnabled\\":true},\\"stopTimeout\\":30,\\"logConfiguration\\":{\\"logDriver\\":\\"awslogs\\",\\"options\\":{\\"awslogs-group\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}\\",\\"awslogs-region\\":\\"eu-west-1\\",\\"awslogs-stream-prefix\\":\\"db-bootstrap\\",\\"mode\\":\\"non-blocking\\",\\"max-buffer-size\\":\\"25m\\"}}}]",
        "cpu": "256",
        "execution_role_arn": "\${aws_iam_role.jobs_bootstrap-execution-role_01EEC82E.arn}",
        "family": "flagstone-production-db-bootstrap",
        "memory": "512",
        "network_mode": "awsvpc",
        "requires_compatibilities": Array [
          "FARGATE",
        ],
        "runtime_platform": Object {
          "cpu_architecture": "ARM64",
          "operating_system_family": "LINUX",
        },
      },
      "jobs_migrate_10B0C5B9": Object {
        "container_definitions": "[{\\"name\\":\\"migrate\\",\\"image\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.repository_url}:\${var.image_tag}-migrate\\",\\"essential\\":true,\\"environment\\":[],\\"secrets\\":[{\\"name\\":\\"DATABASE_URL\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\"}],\\"linuxParameters\\":{\\"initProcessEnabled\\":true},\\"stopTimeout\\":120,\\"logConfiguration\\":{\\"logDriver\\":\\"awslogs\\",\\"options\\":{\\"awslogs-group\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}\\",\\"awslogs-region\\":\\"eu-west-1\\",\\"awslogs-stream-prefix\\":\\"migrate\\",\\"mode\\":\\"non-blocking\\",\\"max-buffer-size\\":\\"25m\\"}}}]",
        "cpu": "256",
        "execution_role_arn": "\${aws_iam_role.jobs_migrate-execution-role_B030470C.arn}",
        "family": "flagstone-production-migrate",
        "memory": "512",
        "network_mode": "awsvpc",
        "requires_compatibilities": Array [
          "FARGATE",
        ],
        "runtime_platform": Object {
          "cpu_architecture": "ARM64",
          "operating_system_family": "LINUX",
        },
      },
      "service_task_93374F48": Object {
        "container_definitions": "[{\\"name\\":\\"flagstone\\",\\"image\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.repository_url}:\${var.image_tag}\\",\\"essential\\":true,\\"portMappings\\":[{\\"name\\":\\"http\\",\\"containerPort\\":3000,\\"protocol\\":\\"tcp\\"},{\\"name\\":\\"grpc\\",\\"containerPort\\":8015,\\"protocol\\":\\"tcp\\"}],\\"environment\\":[{\\"name\\":\\"DEFAULT_ENVIRONMENT\\",\\"value\\":\\"production\\"},{\\"name\\":\\"HOST\\",\\"value\\":\\"0.0.0.0\\"},{\\"name\\":\\"KEEP_ALIVE_TIMEOUT_SECONDS\\",\\"value\\":\\"915\\"},{\\"name\\":\\"METRICS_EMF\\",\\"value\\":\\"on\\"},{\\"name\\":\\"PORT\\",\\"value\\":\\"3000\\"},{\\"name\\":\\"REDIS_URL\\",\\"value\\":\\"rediss://\${aws_elasticache_replication_group.cache_redis_F9D2CAF5.primary_endpoint_address}:6379\\"},{\\"name\\":\\"SERVICE_NAME\\",\\"value\\":\\"flagstone-production\\"},{\\"name\\":\\"SYNC_PORT\\",\\"value\\":\\"8015\\"},{\\"name\\":\\"TRUSTED_PROXY_HOPS\\",\\"value\\":\\"1\\"},{\\"name\\":\\"WARM_ENVIRONMENTS\\",\\"value\\":\\"production\\"}],\\"secrets\\":[{\\"name\\":\\"ADMIN_TOKEN\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.admin-token_value_42B83CBC.arn}\\"},{\\"name\\":\\"DATABASE_URL\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\"},{\\"name\\":\\"EVENTS_SIGNING_KEY\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.events-signing-key_value_7A4AC685.arn}\\"},{\\"name\\":\\"REDIS_AUTH_TOKEN\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.cache_auth-token_value_567E9DA9.arn}\\"}],\\"healthCheck\\":{\\"command\\":[\\"CMD\\",\\"node\\",\\"-e\\",\\"fetch('http://127.0.0.1:3000/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))\\"],\\"interval\\":10,\\"timeout\\":5,\\"retries\\":3,\\"startPeriod\\":30},\\"linuxParameters\\":{\\"initProcessEnabled\\":true},\\"stopTimeout\\":30,\\"logConfiguration\\":{\\"logDriver\\":\\"awslogs\\",\\"options\\":{\\"awslogs-group\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}\\",\\"awslogs-region\\":\\"eu-west-1\\",\\"awslogs-stream-prefix\\":\\"service\\",\\"mode\\":\\"non-blocking\\",\\"max-buffer-size\\":\\"25m\\"}}}]",
        "cpu": "1024",
        "execution_role_arn": "\${aws_iam_role.service_execution-role_C3456AA3.arn}",
        "family": "flagstone-production",
        "memory": "2048",
        "network_mode": "awsvpc",
        "requires_compatibilities": Array [
          "FARGATE",
        ],
        "runtime_platform": Object {
          "cpu_architecture": "ARM64",
          "operating_system_family": "LINUX",
        },
        "task_role_arn": "\${aws_iam_role.service_task-role_58F5AF4F.arn}",
      },
    },
    "aws_eip": Object {
      "network_nat-0-ip_0D2E91DB": Object {
        "domain": "vpc",
        "tags": Object {
          "Name": "flagstone-production-nat-0",
        },
      },
      "network_nat-1-ip_3D30E409": Object {
        "domain": "vpc",
        "tags": Object {
          "Name": "flagstone-production-nat-1",
        },
      },
    },
    "aws_elasticache_replication_group": Object {
      "cache_redis_F9D2CAF5": Object {
        "apply_immediately": false,
        "at_rest_encryption_enabled": "true",
        "auth_token": "\${aws_secretsmanager_secret_version.cache_auth-token_value_567E9DA9.secret_string}",
        "auth_token_update_strategy": "ROTATE",
        "auto_minor_version_upgrade": "true",
        "automatic_failover_enabled": true,
        "description": "flagstone-production flag cache",
        "engine": "redis",
        "engine_version": "7.1",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "maintenance_window": "sun:04:30-sun:05:30",
        "multi_az_enabled": true,
        "node_type": "cache.t4g.micro",
        "num_cache_clusters": 2,
        "parameter_group_name": "default.redis7",
        "port": 6379,
        "preferred_cache_cluster_azs": Array [
          "eu-west-1a",
          "eu-west-1b",
        ],
        "replication_group_id": "flagstone-production",
        "security_group_ids": Array [
          "\${aws_security_group.security-groups_redis_E46A7652.id}",
        ],
        "snapshot_retention_limit": 1,
        "snapshot_window": "03:00-04:00",
        "subnet_group_name": "\${aws_elasticache_subnet_group.cache_subnets_C4370C03.name}",
        "transit_encryption_enabled": true,
        "transit_encryption_mode": "required",
      },
    },
    "aws_elasticache_subnet_group": Object {
      "cache_subnets_C4370C03": Object {
        "description": "flagstone-production private subnets",
        "name": "flagstone-production",
        "subnet_ids": Array [
          "\${aws_subnet.network_private-0_A0649C48.id}",
          "\${aws_subnet.network_private-1_4188AF2B.id}",
        ],
      },
    },
    "aws_flow_log": Object {
      "network_flow-log_4CEF6CCF": Object {
        "iam_role_arn": "\${aws_iam_role.network_flow-logs-role_8074155A.arn}",
        "log_destination": "\${aws_cloudwatch_log_group.network_flow-logs_D7C94307.arn}",
        "log_destination_type": "cloud-watch-logs",
        "max_aggregation_interval": 60,
        "tags": Object {
          "Name": "flagstone-production",
        },
        "traffic_type": "ALL",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_iam_role": Object {
      "jobs_bootstrap-execution-role_01EEC82E": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"222222222222\\"}}}]}",
        "description": "ECS task execution: image pull, logs, and the task secrets",
        "name": "flagstone-production-db-bootstrap-execution",
      },
      "jobs_migrate-execution-role_B030470C": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"222222222222\\"}}}]}",
        "description": "ECS task execution: image pull, logs, and the task secrets",
        "name": "flagstone-production-migrate-execution",
      },
      "network_flow-logs-role_8074155A": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"vpc-flow-logs.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"222222222222\\"}}}]}",
        "name": "flagstone-production-vpc-flow-logs",
      },
      "service_execution-role_C3456AA3": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"222222222222\\"}}}]}",
        "description": "ECS task execution: image pull, logs, and the task secrets",
        "name": "flagstone-production-execution",
      },
      "service_load-balancer-role_532371F0": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\"}]}",
        "description": "Lets ECS shift traffic between the blue and green target groups",
        "name": "flagstone-production-ecs-load-balancers",
      },
      "service_task-role_58F5AF4F": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"222222222222\\"}}}]}",
        "description": "Flagstone service task: no AWS permissions needed",
        "name": "flagstone-production-task",
      },
    },
    "aws_iam_role_policy": Object {
      "jobs_bootstrap-execution-role-policy_36103258": Object {
        "name": "task-execution",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"WriteLogs\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\"],\\"Resource\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.arn}:log-stream:*\\"},{\\"Sid\\":\\"ReadTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"secretsmanager:GetSecretValue\\",\\"Resource\\":[\\"\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}\\",\\"\${aws_secretsmanager_secret_version.database_app-password_value_11C2F531.arn}\\"]},{\\"Sid\\":\\"DecryptTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"kms:Decrypt\\",\\"Resource\\":\\"\${aws_kms_key.encryption_key_EEB70057.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"kms:ViaService\\":\\"secretsmanager.eu-west-1.amazonaws.com\\"}}}]}",
        "role": "\${aws_iam_role.jobs_bootstrap-execution-role_01EEC82E.id}",
      },
      "jobs_migrate-execution-role-policy_FC25FD89": Object {
        "name": "task-execution",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"EcrLogin\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"ecr:GetAuthorizationToken\\",\\"Resource\\":\\"*\\"},{\\"Sid\\":\\"PullImage\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"ecr:BatchCheckLayerAvailability\\",\\"ecr:GetDownloadUrlForLayer\\",\\"ecr:BatchGetImage\\"],\\"Resource\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.arn}\\"},{\\"Sid\\":\\"WriteLogs\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\"],\\"Resource\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.arn}:log-stream:*\\"},{\\"Sid\\":\\"ReadTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"secretsmanager:GetSecretValue\\",\\"Resource\\":[\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\"]},{\\"Sid\\":\\"DecryptTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"kms:Decrypt\\",\\"Resource\\":\\"\${aws_kms_key.encryption_key_EEB70057.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"kms:ViaService\\":\\"secretsmanager.eu-west-1.amazonaws.com\\"}}}]}",
        "role": "\${aws_iam_role.jobs_migrate-execution-role_B030470C.id}",
      },
      "network_flow-logs-policy_C5B6AD10": Object {
        "name": "write-flow-logs",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\",\\"logs:DescribeLogStreams\\"],\\"Resource\\":[\\"\${aws_cloudwatch_log_group.network_flow-logs_D7C94307.arn}\\",\\"\${aws_cloudwatch_log_group.network_flow-logs_D7C94307.arn}:log-stream:*\\"]},{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"logs:DescribeLogGroups\\",\\"Resource\\":\\"*\\"}]}",
        "role": "\${aws_iam_role.network_flow-logs-role_8074155A.id}",
      },
      "service_execution-role-policy_D242786D": Object {
        "name": "task-execution",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"EcrLogin\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"ecr:GetAuthorizationToken\\",\\"Resource\\":\\"*\\"},{\\"Sid\\":\\"PullImage\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"ecr:BatchCheckLayerAvailability\\",\\"ecr:GetDownloadUrlForLayer\\",\\"ecr:BatchGetImage\\"],\\"Resource\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.arn}\\"},{\\"Sid\\":\\"WriteLogs\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\"],\\"Resource\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.arn}:log-stream:*\\"},{\\"Sid\\":\\"ReadTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"secretsmanager:GetSecretValue\\",\\"Resource\\":[\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\",\\"\${aws_secretsmanager_secret_version.cache_auth-token_value_567E9DA9.arn}\\",\\"\${aws_secretsmanager_secret_version.admin-token_value_42B83CBC.arn}\\",\\"\${aws_secretsmanager_secret_version.events-signing-key_value_7A4AC685.arn}\\"]},{\\"Sid\\":\\"DecryptTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"kms:Decrypt\\",\\"Resource\\":\\"\${aws_kms_key.encryption_key_EEB70057.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"kms:ViaService\\":\\"secretsmanager.eu-west-1.amazonaws.com\\"}}}]}",
        "role": "\${aws_iam_role.service_execution-role_C3456AA3.id}",
      },
    },
    "aws_iam_role_policy_attachment": Object {
      "service_load-balancer-role-policy_335DB9A2": Object {
        "policy_arn": "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
        "role": "\${aws_iam_role.service_load-balancer-role_532371F0.name}",
      },
    },
    "aws_internet_gateway": Object {
      "network_igw_5DF1EDA1": Object {
        "tags": Object {
          "Name": "flagstone-production",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_kms_alias": Object {
      "encryption_alias_F6F0D85B": Object {
        "name": "alias/flagstone-production",
        "target_key_id": "\${aws_kms_key.encryption_key_EEB70057.key_id}",
      },
    },
    "aws_kms_key": Object {
      "encryption_key_EEB70057": Object {
        "deletion_window_in_days": 30,
        "description": "flagstone-production: secrets, database, cache and alarm topic",
        "enable_key_rotation": true,
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"AccountAdministersThroughIam\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"AWS\\":\\"arn:aws:iam::222222222222:root\\"},\\"Action\\":\\"kms:*\\",\\"Resource\\":\\"*\\"},{\\"Sid\\":\\"AlarmAndBudgetNotificationsToEncryptedTopic\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":[\\"cloudwatch.amazonaws.com\\",\\"budgets.amazonaws.com\\"]},\\"Action\\":[\\"kms:Decrypt\\",\\"kms:GenerateDataKey*\\"],\\"Resource\\":\\"*\\"}]}",
      },
    },
    "aws_lb": Object {
      "load-balancer_alb_15AADC07": Object {
        "drop_invalid_header_fields": true,
        "enable_deletion_protection": true,
        "idle_timeout": 900,
        "internal": true,
        "load_balancer_type": "application",
        "name": "flagstone-production",
        "security_groups": Array [
          "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        ],
        "subnets": Array [
          "\${aws_subnet.network_public-0_A4E682E0.id}",
          "\${aws_subnet.network_public-1_8D79547B.id}",
        ],
      },
    },
    "aws_lb_listener": Object {
      "load-balancer_http_44626CBC": Object {
        "default_action": Array [
          Object {
            "redirect": Object {
              "port": "443",
              "protocol": "HTTPS",
              "status_code": "HTTP_301",
            },
            "type": "redirect",
          },
        ],
        "load_balancer_arn": "\${aws_lb.load-balancer_alb_15AADC07.arn}",
        "port": 80,
        "protocol": "HTTP",
      },
      "load-balancer_https_7F5E2DEF": Object {
        "certificate_arn": "arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-0000-0000-000000000000",
        "default_action": Array [
          Object {
            "fixed_response": Object {
              "content_type": "text/plain",
              "message_body": "Not found",
              "status_code": "404",
            },
            "type": "fixed-response",
          },
        ],
        "load_balancer_arn": "\${aws_lb.load-balancer_alb_15AADC07.arn}",
        "port": 443,
        "protocol": "HTTPS",
        "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      },
      "load-balancer_sync_2E6B3443": Object {
        "certificate_arn": "arn:aws:acm:eu-west-1:222222222222:certificate/00000000-0000-0000-0000-000000000000",
        "default_action": Array [
          Object {
            "fixed_response": Object {
              "content_type": "text/plain",
              "message_body": "Not found",
              "status_code": "404",
            },
            "type": "fixed-response",
          },
        ],
        "load_balancer_arn": "\${aws_lb.load-balancer_alb_15AADC07.arn}",
        "port": 8015,
        "protocol": "HTTPS",
        "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      },
    },
    "aws_lb_listener_rule": Object {
      "load-balancer_block-metrics_B1F1C565": Object {
        "action": Array [
          Object {
            "fixed_response": Object {
              "content_type": "text/plain",
              "message_body": "Not found",
              "status_code": "404",
            },
            "type": "fixed-response",
          },
        ],
        "condition": Array [
          Object {
            "path_pattern": Object {
              "values": Array [
                "/metrics",
                "/metrics/*",
              ],
            },
          },
        ],
        "listener_arn": "\${aws_lb_listener.load-balancer_https_7F5E2DEF.arn}",
        "priority": 1,
      },
      "load-balancer_production_86B27059": Object {
        "action": Array [
          Object {
            "forward": Object {
              "target_group": Array [
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn}",
                  "weight": 100,
                },
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_green_EA606101.arn}",
                  "weight": 0,
                },
              ],
            },
            "type": "forward",
          },
        ],
        "condition": Array [
          Object {
            "path_pattern": Object {
              "values": Array [
                "/api/*",
                "/ofrep/*",
                "/ui*",
              ],
            },
          },
        ],
        "lifecycle": Object {
          "ignore_changes": Array [
            "action",
          ],
        },
        "listener_arn": "\${aws_lb_listener.load-balancer_https_7F5E2DEF.arn}",
        "priority": 10,
      },
      "load-balancer_sync-production_07581429": Object {
        "action": Array [
          Object {
            "forward": Object {
              "target_group": Array [
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn}",
                  "weight": 100,
                },
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn}",
                  "weight": 0,
                },
              ],
            },
            "type": "forward",
          },
        ],
        "condition": Array [
          Object {
            "path_pattern": Object {
              "values": Array [
                "/flagd.sync.v1.FlagSyncService/*",
              ],
            },
          },
        ],
        "lifecycle": Object {
          "ignore_changes": Array [
            "action",
          ],
        },
        "listener_arn": "\${aws_lb_listener.load-balancer_sync_2E6B3443.arn}",
        "priority": 10,
      },
    },
    "aws_lb_target_group": Object {
      "load-balancer_blue_86851F4E": Object {
        "deregistration_delay": "30",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "200",
          "path": "/health/ready",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-production-blue",
        "port": 3000,
        "protocol": "HTTP",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "load-balancer_green_EA606101": Object {
        "deregistration_delay": "30",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "200",
          "path": "/health/ready",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-production-green",
        "port": 3000,
        "protocol": "HTTP",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "load-balancer_sync-blue_5D808BF2": Object {
        "deregistration_delay": "15",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "0",
          "path": "/grpc.health.v1.Health/Check",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-production-sync-blue",
        "port": 8015,
        "protocol": "HTTP",
        "protocol_version": "GRPC",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "load-balancer_sync-green_170E4B39": Object {
        "deregistration_delay": "15",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "0",
          "path": "/grpc.health.v1.Health/Check",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-production-sync-green",
        "port": 8015,
        "protocol": "HTTP",
        "protocol_version": "GRPC",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_nat_gateway": Object {
      "network_nat-0_D2F55FEE": Object {
        "allocation_id": "\${aws_eip.network_nat-0-ip_0D2E91DB.id}",
        "depends_on": Array [
          "aws_internet_gateway.network_igw_5DF1EDA1",
        ],
        "subnet_id": "\${aws_subnet.network_public-0_A4E682E0.id}",
        "tags": Object {
          "Name": "flagstone-production-nat-0",
        },
      },
      "network_nat-1_A72B97BB": Object {
        "allocation_id": "\${aws_eip.network_nat-1-ip_3D30E409.id}",
        "depends_on": Array [
          "aws_internet_gateway.network_igw_5DF1EDA1",
        ],
        "subnet_id": "\${aws_subnet.network_public-1_8D79547B.id}",
        "tags": Object {
          "Name": "flagstone-production-nat-1",
        },
      },
    },
    "aws_route": Object {
      "network_private-0-default-route_386F73E8": Object {
        "destination_cidr_block": "0.0.0.0/0",
        "nat_gateway_id": "\${aws_nat_gateway.network_nat-0_D2F55FEE.id}",
        "route_table_id": "\${aws_route_table.network_private-0-routes-table_AB638FB0.id}",
      },
      "network_private-1-default-route_AD127BD6": Object {
        "destination_cidr_block": "0.0.0.0/0",
        "nat_gateway_id": "\${aws_nat_gateway.network_nat-1_A72B97BB.id}",
        "route_table_id": "\${aws_route_table.network_private-1-routes-table_A982373C.id}",
      },
      "network_public-default-route_9AB86AC6": Object {
        "destination_cidr_block": "0.0.0.0/0",
        "gateway_id": "\${aws_internet_gateway.network_igw_5DF1EDA1.id}",
        "route_table_id": "\${aws_route_table.network_public-routes_309B7EF4.id}",
      },
    },
    "aws_route_table": Object {
      "network_private-0-routes-table_AB638FB0": Object {
        "tags": Object {
          "Name": "flagstone-production-private-eu-west-1a",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_private-1-routes-table_A982373C": Object {
        "tags": Object {
          "Name": "flagstone-production-private-eu-west-1b",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_public-routes_309B7EF4": Object {
        "tags": Object {
          "Name": "flagstone-production-public",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_route_table_association": Object {
      "network_private-0-routes_C03CB896": Object {
        "route_table_id": "\${aws_route_table.network_private-0-routes-table_AB638FB0.id}",
        "subnet_id": "\${aws_subnet.network_private-0_A0649C48.id}",
      },
      "network_private-1-routes_4F11009D": Object {
        "route_table_id": "\${aws_route_table.network_private-1-routes-table_A982373C.id}",
        "subnet_id": "\${aws_subnet.network_private-1_4188AF2B.id}",
      },
      "network_public-0-routes_8FF525C9": Object {
        "route_table_id": "\${aws_route_table.network_public-routes_309B7EF4.id}",
        "subnet_id": "\${aws_subnet.network_public-0_A4E682E0.id}",
      },
      "network_public-1-routes_D05B99C8": Object {
        "route_table_id": "\${aws_route_table.network_public-routes_309B7EF4.id}",
        "subnet_id": "\${aws_subnet.network_public-1_8D79547B.id}",
      },
    },
    "aws_secretsmanager_secret": Object {
      "admin-token_secret_5384AB57": Object {
        "description": "ADMIN_TOKEN: the service sets the \`bootstrap\` admin token to this value at every start",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-production/admin-token",
        "recovery_window_in_days": 30,
      },
      "cache_auth-token_secret_7918EF2A": Object {
        "description": "Flagstone Redis AUTH token (REDIS_AUTH_TOKEN)",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-production/redis-auth-token",
        "recovery_window_in_days": 30,
      },
      "database_app-password_secret_0DC51FC4": Object {
        "description": "Password of the PostgreSQL role flagstone_app",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-production/database-app-password",
        "recovery_window_in_days": 30,
      },
      "database_url_36F6B158": Object {
        "description": "DATABASE_URL for the service and the migrations (role flagstone_app)",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-production/database-url",
        "recovery_window_in_days": 30,
      },
      "events-signing-key_secret_2EA1AAF3": Object {
        "description": "EVENTS_SIGNING_KEY: signs event-stream tickets; every task must have the same one",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-production/events-signing-key",
        "recovery_window_in_days": 30,
      },
    },
    "aws_secretsmanager_secret_version": Object {
      "admin-token_value_42B83CBC": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.admin-token_secret_5384AB57.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.admin-token_generated_6331C829.random_password}",
      },
      "cache_auth-token_value_567E9DA9": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.cache_auth-token_secret_7918EF2A.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.cache_auth-token_generated_79721759.random_password}",
      },
      "database_app-password_value_11C2F531": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.database_app-password_secret_0DC51FC4.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.database_app-password_generated_4AC28315.random_password}",
      },
      "database_url-value_9F650D05": Object {
        "secret_id": "\${aws_secretsmanager_secret.database_url_36F6B158.id}",
        "secret_string": "postgresql://flagstone_app:\${aws_secretsmanager_secret_version.database_app-password_value_11C2F531.secret_string}@\${aws_db_instance.database_postgres_3F7927C4.address}:5432/flagstone?sslmode=require&uselibpqcompat=true",
      },
      "events-signing-key_value_7A4AC685": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.events-signing-key_secret_2EA1AAF3.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.events-signing-key_generated_D76E12AC.random_password}",
      },
    },
    "aws_security_group": Object {
      "security-groups_alb_EE3942E0": Object {
        "description": "Flagstone load balancer: HTTPS (and the HTTP redirect) from allowed clients",
        "name": "flagstone-production-alb",
        "tags": Object {
          "Name": "flagstone-production-alb",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_database_D8550215": Object {
        "description": "Flagstone PostgreSQL: 5432 from the service and the one-off tasks",
        "name": "flagstone-production-database",
        "tags": Object {
          "Name": "flagstone-production-database",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_jobs_04FCCD9D": Object {
        "description": "Flagstone one-off tasks: migrations and database bootstrap",
        "name": "flagstone-production-jobs",
        "tags": Object {
          "Name": "flagstone-production-jobs",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_redis_E46A7652": Object {
        "description": "Flagstone Redis: 6379 from the service",
        "name": "flagstone-production-redis",
        "tags": Object {
          "Name": "flagstone-production-redis",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_service_9D1C9FB8": Object {
        "description": "Flagstone service tasks: the service port from the load balancer",
        "name": "flagstone-production-service",
        "tags": Object {
          "Name": "flagstone-production-service",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_sns_topic": Object {
      "monitoring_topic_631C3BE1": Object {
        "kms_master_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-production-alarms",
      },
    },
    "aws_sns_topic_policy": Object {
      "monitoring_topic-policy_CB9CD838": Object {
        "arn": "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"AccountManagesTopic\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"AWS\\":\\"arn:aws:iam::222222222222:root\\"},\\"Action\\":[\\"sns:Publish\\",\\"sns:Subscribe\\",\\"sns:GetTopicAttributes\\",\\"sns:SetTopicAttributes\\"],\\"Resource\\":\\"\${aws_sns_topic.monitoring_topic_631C3BE1.arn}\\"},{\\"Sid\\":\\"AlarmsAndBudgetsPublish\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":[\\"cloudwatch.amazonaws.com\\",\\"budgets.amazonaws.com\\"]},\\"Action\\":\\"sns:Publish\\",\\"Resource\\":\\"\${aws_sns_topic.monitoring_topic_631C3BE1.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"222222222222\\"}}}]}",
      },
    },
    "aws_subnet": Object {
      "network_private-0_A0649C48": Object {
        "availability_zone": "eu-west-1a",
        "cidr_block": "10.41.64.0/18",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-production-private-eu-west-1a",
          "Tier": "private",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_private-1_4188AF2B": Object {
        "availability_zone": "eu-west-1b",
        "cidr_block": "10.41.128.0/18",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-production-private-eu-west-1b",
          "Tier": "private",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_public-0_A4E682E0": Object {
        "availability_zone": "eu-west-1a",
        "cidr_block": "10.41.0.0/20",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-production-public-eu-west-1a",
          "Tier": "public",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_public-1_8D79547B": Object {
        "availability_zone": "eu-west-1b",
        "cidr_block": "10.41.16.0/20",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-production-public-eu-west-1b",
          "Tier": "public",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_vpc": Object {
      "network_vpc_4E8F0223": Object {
        "cidr_block": "10.41.0.0/16",
        "enable_dns_hostnames": true,
        "enable_dns_support": true,
        "tags": Object {
          "Name": "flagstone-production",
        },
      },
    },
    "aws_vpc_security_group_egress_rule": Object {
      "security-groups_alb-to-service-out_1E335458": Object {
        "description": "to the service port",
        "from_port": 3000,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 3000,
      },
      "security-groups_alb-to-service-sync-out_D2AF4907": Object {
        "description": "to the sync port",
        "from_port": 8015,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 8015,
      },
      "security-groups_jobs-https-out_5A76450D": Object {
        "cidr_ipv4": "0.0.0.0/0",
        "description": "HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs) through NAT",
        "from_port": 443,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
        "to_port": 443,
      },
      "security-groups_jobs-to-database-out_0BEA567D": Object {
        "description": "to PostgreSQL",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "security_group_id": "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
        "to_port": 5432,
      },
      "security-groups_service-https-out_CA6C0A89": Object {
        "cidr_ipv4": "0.0.0.0/0",
        "description": "HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs) through NAT",
        "from_port": 443,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 443,
      },
      "security-groups_service-to-database-out_3304ED18": Object {
        "description": "to PostgreSQL",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 5432,
      },
      "security-groups_service-to-redis-out_5533130E": Object {
        "description": "to Redis",
        "from_port": 6379,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_redis_E46A7652.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 6379,
      },
    },
    "aws_vpc_security_group_ingress_rule": Object {
      "security-groups_alb-in-443-0_5461ECDB": Object {
        "cidr_ipv4": "10.41.0.0/16",
        "description": "HTTPS from 10.41.0.0/16",
        "from_port": 443,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 443,
      },
      "security-groups_alb-in-80-0_20ADB6A9": Object {
        "cidr_ipv4": "10.41.0.0/16",
        "description": "HTTP (redirected to HTTPS) from 10.41.0.0/16",
        "from_port": 80,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 80,
      },
      "security-groups_alb-in-8015-0_55C0092D": Object {
        "cidr_ipv4": "10.41.0.0/16",
        "description": "flagd sync (gRPC over TLS) from 10.41.0.0/16",
        "from_port": 8015,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 8015,
      },
      "security-groups_alb-to-service-in_5BC8C2ED": Object {
        "description": "the service port from the alb group",
        "from_port": 3000,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 3000,
      },
      "security-groups_alb-to-service-sync-in_CFB78009": Object {
        "description": "the sync port from the alb group",
        "from_port": 8015,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 8015,
      },
      "security-groups_jobs-to-database-in_CE65EE3D": Object {
        "description": "PostgreSQL from the jobs group",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
        "security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "to_port": 5432,
      },
      "security-groups_service-to-database-in_9ADE30E2": Object {
        "description": "PostgreSQL from the service group",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "to_port": 5432,
      },
      "security-groups_service-to-redis-in_84953C2C": Object {
        "description": "Redis from the service group",
        "from_port": 6379,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_redis_E46A7652.id}",
        "to_port": 6379,
      },
    },
  },
  "terraform": Object {
    "backend": Object {
      "s3": Object {
        "bucket": "flagstone-tfstate-222222222222",
        "encrypt": true,
        "key": "flagstone/production/terraform.tfstate",
        "region": "eu-west-1",
        "use_lockfile": true,
      },
    },
    "required_providers": Object {
      "aws": Object {
        "source": "aws",
        "version": "6.25.0",
      },
    },
    "required_version": ">= 1.11.0",
  },
  "variable": Object {
    "image_tag": Object {
      "description": "The image tag to deploy: the service image is <repository>:<tag>, the migrations <repository>:<tag>-migrate.",
      "nullable": false,
      "type": "string",
      "validation": Array [
        Object {
          "condition": "\${can(regex(\\"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$\\", var.image_tag)) && var.image_tag != \\"latest\\"}",
          "error_message": "image_tag must be an immutable tag such as a git SHA or a version (not \\"latest\\").",
        },
      ],
    },
  },
}
`

exports[`test/app.test.ts > TAP > staging: snapshot > staging stack 1`] = `
Object {
  "data": Object {
    "aws_secretsmanager_random_password": Object {
      "admin-token_generated_6331C829": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 48,
        "require_each_included_type": true,
      },
      "cache_auth-token_generated_79721759": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 64,
        "require_each_included_type": true,
      },
      "database_app-password_generated_4AC28315": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 40,
        "require_each_included_type": true,
      },
      "events-signing-key_generated_D76E12AC": Object {
        "exclude_punctuation": true,
        "include_space": false,
        "password_length": 64,
        "require_each_included_type": true,
      },
    },
  },
  "output": Object {
    "admin_token_secret_arn": Object {
      "description": "ADMIN_TOKEN (rotate: README runbook)",
      "value": "\${aws_secretsmanager_secret_version.admin-token_value_42B83CBC.arn}",
    },
    "alarm_topic_arn": Object {
      "description": "Alarm and budget notifications",
      "value": "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
    },
    "cluster_name": Object {
      "description": "The ECS cluster",
      "value": "\${aws_ecs_cluster.cluster_A4C38409.name}",
    },
    "dashboard_name": Object {
      "description": "The CloudWatch dashboard",
      "value": "flagstone-staging",
    },
    "database_master_secret_arn": Object {
      "description": "RDS-managed master credentials",
      "value": "\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}",
    },
    "database_url_secret_arn": Object {
      "description": "DATABASE_URL",
      "value": "\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}",
    },
    "db_bootstrap_run_task": Object {
      "description": "aws ecs run-task input for the database role bootstrap",
      "value": Object {
        "cluster": "\${aws_ecs_cluster.cluster_A4C38409.name}",
        "launchType": "FARGATE",
        "networkConfiguration": Object {
          "awsvpcConfiguration": Object {
            "assignPublicIp": "DISABLED",
            "securityGroups": Array [
              "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
            ],
            "subnets": Array [
              "\${aws_subnet.network_private-0_A0649C48.id}",
              "\${aws_subnet.network_private-1_4188AF2B.id}",
            ],
          },
        },
        "taskDefinition": "\${aws_ecs_task_definition.jobs_db-bootstrap_1535A897.family}",
      },
    },
    "ecr_repository_url": Object {
      "description": "Push \`<tag>\` and \`<tag>-migrate\` here",
      "value": "\${aws_ecr_repository.registry_repository_BAFE171E.repository_url}",
    },
    "load_balancer_dns_name": Object {
      "description": "Point the service DNS name here",
      "value": "\${aws_lb.load-balancer_alb_15AADC07.dns_name}",
    },
    "log_group_name": Object {
      "description": "Container logs (service, migrate, db-bootstrap)",
      "value": "\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}",
    },
    "migrate_run_task": Object {
      "description": "aws ecs run-task input for the migrations",
      "value": Object {
        "cluster": "\${aws_ecs_cluster.cluster_A4C38409.name}",
        "launchType": "FARGATE",
        "networkConfiguration": Object {
          "awsvpcConfiguration": Object {
            "assignPublicIp": "DISABLED",
            "securityGroups": Array [
              "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
            ],
            "subnets": Array [
              "\${aws_subnet.network_private-0_A0649C48.id}",
              "\${aws_subnet.network_private-1_4188AF2B.id}",
            ],
          },
        },
        "taskDefinition": "\${aws_ecs_task_definition.jobs_migrate_10B0C5B9.family}",
      },
    },
    "service_name": Object {
      "description": "The ECS service",
      "value": "\${aws_ecs_service.service_E7C408F2.name}",
    },
  },
  "provider": Object {
    "aws": Array [
      Object {
        "allowed_account_ids": Array [
          "111111111111",
        ],
        "default_tags": Array [
          Object {
            "tags": Object {
              "Environment": "staging",
              "ManagedBy": "terraform",
              "Project": "flagstone",
            },
          },
        ],
        "region": "eu-west-1",
      },
    ],
  },
  "resource": Object {
    "aws_appautoscaling_policy": Object {
      "service_scale-on-cpu_D22D29A6": Object {
        "name": "flagstone-staging-cpu",
        "policy_type": "TargetTrackingScaling",
        "resource_id": "\${aws_appautoscaling_target.service_scaling_A255B352.resource_id}",
        "scalable_dimension": "\${aws_appautoscaling_target.service_scaling_A255B352.scalable_dimension}",
        "service_namespace": "\${aws_appautoscaling_target.service_scaling_A255B352.service_namespace}",
        "target_tracking_scaling_policy_configuration": Object {
          "predefined_metric_specification": Object {
            "predefined_metric_type": "ECSServiceAverageCPUUtilization",
          },
          "scale_in_cooldown": 300,
          "scale_out_cooldown": 60,
          "target_value": 60,
        },
      },
      "service_scale-on-requests_3DD56E45": Object {
        "name": "flagstone-staging-requests-per-task",
        "policy_type": "TargetTrackingScaling",
        "resource_id": "\${aws_appautoscaling_target.service_scaling_A255B352.resource_id}",
        "scalable_dimension": "\${aws_appautoscaling_target.service_scaling_A255B352.scalable_dimension}",
        "service_namespace": "\${aws_appautoscaling_target.service_scaling_A255B352.service_namespace}",
        "target_tracking_scaling_policy_configuration": Object {
          "customized_metric_specification": Object {
            "metrics": Array [
              Object {
                "id": "blue",
                "metric_stat": Object {
                  "metric": Object {
                    "dimensions": Array [
                      Object {
                        "name": "LoadBalancer",
                        "value": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                      },
                      Object {
                        "name": "TargetGroup",
                        "value": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}",
                      },
                    ],
                    "metric_name": "RequestCountPerTarget",
                    "namespace": "AWS/ApplicationELB",
                  },
                  "stat": "Sum",
                },
                "return_data": false,
              },
              Object {
                "id": "green",
                "metric_stat": Object {
                  "metric": Object {
                    "dimensions": Array [
                      Object {
                        "name": "LoadBalancer",
                        "value": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                      },
                      Object {
                        "name": "TargetGroup",
                        "value": "\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}",
                      },
                    ],
                    "metric_name": "RequestCountPerTarget",
                    "namespace": "AWS/ApplicationELB",
                  },
                  "stat": "Sum",
                },
                "return_data": false,
              },
              Object {
                "expression": "FILL(blue, 0) + FILL(green, 0)",
                "id": "requests_per_task",
                "label": "Requests per task per minute (both target groups)",
                "return_data": true,
              },
            ],
          },
          "scale_in_cooldown": 300,
          "scale_out_cooldown": 60,
          "target_value": 3000,
        },
      },
    },
    "aws_appautoscaling_target": Object {
      "service_scaling_A255B352": Object {
        "max_capacity": 4,
        "min_capacity": 2,
        "resource_id": "service/\${aws_ecs_cluster.cluster_A4C38409.name}/\${aws_ecs_service.service_E7C408F2.name}",
        "scalable_dimension": "ecs:service:DesiredCount",
        "service_namespace": "ecs",
      },
    },
    "aws_budgets_budget": Object {
      "budget_16939279": Object {
        "account_id": "111111111111",
        "budget_type": "COST",
        "cost_filter": Array [
          Object {
            "name": "TagKeyValue",
            "values": Array [
              "user:Environment$staging",
            ],
          },
        ],
        "limit_amount": "50.00",
        "limit_unit": "USD",
        "name": "flagstone-staging-monthly",
        "notification": Array [
          Object {
            "comparison_operator": "GREATER_THAN",
            "notification_type": "ACTUAL",
            "subscriber_sns_topic_arns": Array [
              "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
            ],
            "threshold": 80,
            "threshold_type": "PERCENTAGE",
          },
          Object {
            "comparison_operator": "GREATER_THAN",
            "notification_type": "FORECASTED",
            "subscriber_sns_topic_arns": Array [
              "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
            ],
            "threshold": 100,
            "threshold_type": "PERCENTAGE",
          },
        ],
        "time_unit": "MONTHLY",
      },
    },
    "aws_cloudwatch_composite_alarm": Object {
      "monitoring_deployment-health_9797D650": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Any alarm that rolls back a deployment is firing. ECS watches the member alarms themselves; this summary is for people and the dashboard. Runbook (README): \\"deployment-health\\".",
        "alarm_name": "flagstone-staging-deployment-health",
        "alarm_rule": "ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_http-5xx-rate_DF9DE37F.alarm_name}\\") OR ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_p95-latency_D6AE46ED.alarm_name}\\") OR ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_unhealthy-targets_3A8B5675.alarm_name}\\") OR ALARM(\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-connection-failures_9A8E5BD5.alarm_name}\\")",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
      },
    },
    "aws_cloudwatch_dashboard": Object {
      "monitoring_dashboard_4CE328EF": Object {
        "dashboard_body": "{\\"widgets\\":[{\\"type\\":\\"alarm\\",\\"x\\":0,\\"y\\":0,\\"width\\":24,\\"height\\":3,\\"properties\\":{\\"title\\":\\"Alarms\\",\\"alarms\\":[\\"\${aws_cloudwatch_metric_alarm.monitoring_http-5xx-rate_DF9DE37F.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_p95-latency_D6AE46ED.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_unhealthy-targets_3A8B5675.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-connection-failures_9A8E5BD5.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_cache-miss-rate_4BCE6FA2.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-engine-cpu_C0232FB7.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_redis-evictions_2CDB36E0.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_database-cpu_CD46D3A6.arn}\\",\\"\${aws_cloudwatch_metric_alarm.monitoring_database-free-storage_B2CE1D39.arn}\\",\\"\${aws_cloudwatch_composite_alarm.monitoring_deployment-health_9797D650.arn}\\"]}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":3,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Requests\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"RequestCount\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\"]]}},{\\"type\\":\\"metric\\",\\"x\\":8,\\"y\\":3,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"5xx rate (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"HTTPCode_Target_5XX_Count\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"id\\":\\"t5\\",\\"visible\\":false}],[\\"AWS/ApplicationELB\\",\\"HTTPCode_ELB_5XX_Count\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"id\\":\\"e5\\",\\"visible\\":false}],[\\"AWS/ApplicationELB\\",\\"RequestCount\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"id\\":\\"rq\\",\\"visible\\":false}],[{\\"expression\\":\\"100 * (FILL(t5, 0) + FILL(e5, 0)) / rq\\",\\"label\\":\\"5xx %\\",\\"id\\":\\"rate\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":16,\\"y\\":3,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Target response time p95 (s)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"p95\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"TargetResponseTime\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\"]],\\"annotations\\":{\\"horizontal\\":[{\\"label\\":\\"alarm\\",\\"value\\":0.2}]}}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":9,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Unhealthy / healthy tasks (HTTP and sync target groups)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"UnHealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}],[\\"AWS/ApplicationELB\\",\\"HealthyHostCount\\",\\"TargetGroup\\",\\"\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn_suffix}\\",\\"LoadBalancer\\",\\"\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}\\",{\\"stat\\":\\"Maximum\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":8,\\"y\\":9,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Flag reads and cache miss rate (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"Flagstone\\",\\"FlagReads\\",\\"ServiceName\\",\\"flagstone-staging\\"],[\\"Flagstone\\",\\"CacheMissRate\\",\\"ServiceName\\",\\"flagstone-staging\\",{\\"stat\\":\\"Average\\",\\"yAxis\\":\\"right\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":16,\\"y\\":9,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Redis connection failures per minute\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"Flagstone\\",\\"RedisConnectionFailures\\",\\"ServiceName\\",\\"flagstone-staging\\"]]}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":15,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Redis engine CPU (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ElastiCache\\",\\"EngineCPUUtilization\\",\\"CacheClusterId\\",\\"flagstone-staging-001\\",{\\"stat\\":\\"Average\\"}],[\\"AWS/ElastiCache\\",\\"EngineCPUUtilization\\",\\"CacheClusterId\\",\\"flagstone-staging-002\\",{\\"stat\\":\\"Average\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":8,\\"y\\":15,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"Redis evictions\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ElastiCache\\",\\"Evictions\\",\\"CacheClusterId\\",\\"flagstone-staging-001\\",{\\"stat\\":\\"Sum\\"}],[\\"AWS/ElastiCache\\",\\"Evictions\\",\\"CacheClusterId\\",\\"flagstone-staging-002\\",{\\"stat\\":\\"Sum\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":16,\\"y\\":15,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"PostgreSQL CPU (%) and free storage (bytes)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/RDS\\",\\"CPUUtilization\\",\\"DBInstanceIdentifier\\",\\"\${aws_db_instance.database_postgres_3F7927C4.identifier}\\",{\\"stat\\":\\"Average\\"}],[\\"AWS/RDS\\",\\"FreeStorageSpace\\",\\"DBInstanceIdentifier\\",\\"\${aws_db_instance.database_postgres_3F7927C4.identifier}\\",{\\"stat\\":\\"Minimum\\",\\"yAxis\\":\\"right\\"}]]}},{\\"type\\":\\"metric\\",\\"x\\":0,\\"y\\":21,\\"width\\":8,\\"height\\":6,\\"properties\\":{\\"title\\":\\"ECS service CPU and memory (%)\\",\\"region\\":\\"eu-west-1\\",\\"view\\":\\"timeSeries\\",\\"stat\\":\\"Sum\\",\\"period\\":60,\\"metrics\\":[[\\"AWS/ECS\\",\\"CPUUtilization\\",\\"ClusterName\\",\\"\${aws_ecs_cluster.cluster_A4C38409.name}\\",\\"ServiceName\\",\\"\${aws_ecs_service.service_E7C408F2.name}\\",{\\"stat\\":\\"Average\\"}],[\\"AWS/ECS\\",\\"MemoryUtilization\\",\\"ClusterName\\",\\"\${aws_ecs_cluster.cluster_A4C38409.name}\\",\\"ServiceName\\",\\"\${aws_ecs_service.service_E7C408F2.name}\\",{\\"stat\\":\\"Average\\"}]]}}]}",
        "dashboard_name": "flagstone-staging",
      },
    },
    "aws_cloudwatch_log_group": Object {
      "cluster_logs_1669D170": Object {
        "name": "/ecs/flagstone-staging",
        "retention_in_days": 14,
      },
      "database_logs_2CFAA6CA": Object {
        "name": "/aws/rds/instance/flagstone-staging/postgresql",
        "retention_in_days": 14,
      },
      "network_flow-logs_D7C94307": Object {
        "name": "/vpc/flagstone-staging/flow-logs",
        "retention_in_days": 14,
      },
    },
    "aws_cloudwatch_metric_alarm": Object {
      "monitoring_cache-miss-rate_4BCE6FA2": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "More than the allowed share of flag reads missed both caches for 5 minutes. Runbook (README): \\"cache-miss-rate\\".",
        "alarm_name": "flagstone-staging-cache-miss-rate",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 5,
        "dimensions": Object {
          "ServiceName": "flagstone-staging",
        },
        "evaluation_periods": 5,
        "metric_name": "CacheMissRate",
        "namespace": "Flagstone",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 60,
        "statistic": "Average",
        "threshold": 20,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_database-cpu_CD46D3A6": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "PostgreSQL CPU above the threshold for 10 minutes. Runbook (README): \\"database-cpu\\".",
        "alarm_name": "flagstone-staging-database-cpu",
        "comparison_operator": "GreaterThanThreshold",
        "dimensions": Object {
          "DBInstanceIdentifier": "\${aws_db_instance.database_postgres_3F7927C4.identifier}",
        },
        "evaluation_periods": 2,
        "metric_name": "CPUUtilization",
        "namespace": "AWS/RDS",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 300,
        "statistic": "Average",
        "threshold": 80,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_database-free-storage_B2CE1D39": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "PostgreSQL free storage below 2147483648 bytes. Runbook (README): \\"database-free-storage\\".",
        "alarm_name": "flagstone-staging-database-free-storage",
        "comparison_operator": "LessThanThreshold",
        "dimensions": Object {
          "DBInstanceIdentifier": "\${aws_db_instance.database_postgres_3F7927C4.identifier}",
        },
        "evaluation_periods": 1,
        "metric_name": "FreeStorageSpace",
        "namespace": "AWS/RDS",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 300,
        "statistic": "Minimum",
        "threshold": 2147483648,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_http-5xx-rate_DF9DE37F": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "More than the allowed share of requests failed with 5xx (target + load balancer) for 3 of 5 minutes. Rolls back a deployment in progress. Runbook (README): \\"http-5xx-rate\\".",
        "alarm_name": "flagstone-staging-http-5xx-rate",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 3,
        "evaluation_periods": 5,
        "metric_query": Array [
          Object {
            "id": "target5xx",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
              },
              "metric_name": "HTTPCode_Target_5XX_Count",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "id": "elb5xx",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
              },
              "metric_name": "HTTPCode_ELB_5XX_Count",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "id": "requests",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
              },
              "metric_name": "RequestCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "expression": "IF(FILL(requests, 0) > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 0), 0)",
            "id": "result",
            "label": "5xx responses (% of requests)",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 1,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_p95-latency_D6AE46ED": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "p95 target response time above the threshold for 3 of 5 minutes. Rolls back a deployment in progress. Runbook (README): \\"p95-latency\\".",
        "alarm_name": "flagstone-staging-p95-latency",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 3,
        "dimensions": Object {
          "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
        },
        "evaluation_periods": 5,
        "extended_statistic": "p95",
        "metric_name": "TargetResponseTime",
        "namespace": "AWS/ApplicationELB",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 60,
        "threshold": 0.2,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_redis-connection-failures_9A8E5BD5": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Tasks failed to reach Redis more than the allowed times per minute (2 of 3 minutes); reads fall back to PostgreSQL. Rolls back a deployment in progress. Runbook (README): \\"redis-connection-failures\\".",
        "alarm_name": "flagstone-staging-redis-connection-failures",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 2,
        "dimensions": Object {
          "ServiceName": "flagstone-staging",
        },
        "evaluation_periods": 3,
        "metric_name": "RedisConnectionFailures",
        "namespace": "Flagstone",
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "period": 60,
        "statistic": "Sum",
        "threshold": 5,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_redis-engine-cpu_C0232FB7": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Redis engine CPU above the threshold for 5 minutes on a node. Runbook (README): \\"redis-engine-cpu\\".",
        "alarm_name": "flagstone-staging-redis-engine-cpu",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 5,
        "evaluation_periods": 5,
        "metric_query": Array [
          Object {
            "id": "node1",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-staging-001",
              },
              "metric_name": "EngineCPUUtilization",
              "namespace": "AWS/ElastiCache",
              "period": 60,
              "stat": "Average",
            },
            "return_data": false,
          },
          Object {
            "id": "node2",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-staging-002",
              },
              "metric_name": "EngineCPUUtilization",
              "namespace": "AWS/ElastiCache",
              "period": 60,
              "stat": "Average",
            },
            "return_data": false,
          },
          Object {
            "expression": "MAX([FILL(node1, 0), FILL(node2, 0)])",
            "id": "result",
            "label": "Redis engine CPU (busiest node, %)",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 80,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_redis-evictions_2CDB36E0": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "Redis evicted keys for lack of memory. Runbook (README): \\"redis-evictions\\".",
        "alarm_name": "flagstone-staging-redis-evictions",
        "comparison_operator": "GreaterThanThreshold",
        "evaluation_periods": 1,
        "metric_query": Array [
          Object {
            "id": "node1",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-staging-001",
              },
              "metric_name": "Evictions",
              "namespace": "AWS/ElastiCache",
              "period": 300,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "id": "node2",
            "metric": Object {
              "dimensions": Object {
                "CacheClusterId": "flagstone-staging-002",
              },
              "metric_name": "Evictions",
              "namespace": "AWS/ElastiCache",
              "period": 300,
              "stat": "Sum",
            },
            "return_data": false,
          },
          Object {
            "expression": "MAX([FILL(node1, 0), FILL(node2, 0)])",
            "id": "result",
            "label": "Redis evictions per 5 minutes (busiest node)",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 100,
        "treat_missing_data": "notBreaching",
      },
      "monitoring_unhealthy-targets_3A8B5675": Object {
        "alarm_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "alarm_description": "A task failed a target health check for 3 minutes: /health/ready, or the sync port's gRPC health check (any target group). Rolls back a deployment in progress. Runbook (README): \\"unhealthy-targets\\".",
        "alarm_name": "flagstone-staging-unhealthy-targets",
        "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 3,
        "evaluation_periods": 3,
        "metric_query": Array [
          Object {
            "id": "blue",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "id": "green",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_green_EA606101.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "id": "syncblue",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "id": "syncgreen",
            "metric": Object {
              "dimensions": Object {
                "LoadBalancer": "\${aws_lb.load-balancer_alb_15AADC07.arn_suffix}",
                "TargetGroup": "\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn_suffix}",
              },
              "metric_name": "UnHealthyHostCount",
              "namespace": "AWS/ApplicationELB",
              "period": 60,
              "stat": "Maximum",
            },
            "return_data": false,
          },
          Object {
            "expression": "MAX([FILL(blue, 0), FILL(green, 0), FILL(syncblue, 0), FILL(syncgreen, 0)])",
            "id": "result",
            "label": "Unhealthy tasks",
            "return_data": true,
          },
        ],
        "ok_actions": Array [
          "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        ],
        "threshold": 0,
        "treat_missing_data": "notBreaching",
      },
    },
    "aws_db_instance": Object {
      "database_postgres_3F7927C4": Object {
        "allocated_storage": 20,
        "apply_immediately": false,
        "auto_minor_version_upgrade": true,
        "backup_retention_period": 3,
        "backup_window": "02:00-03:00",
        "copy_tags_to_snapshot": true,
        "db_name": "flagstone",
        "db_subnet_group_name": "\${aws_db_subnet_group.database_subnets_53A37123.name}",
        "deletion_protection": false,
        "depends_on": Array [
          "aws_cloudwatch_log_group.database_logs_2CFAA6CA",
        ],
        "enabled_cloudwatch_logs_exports": Array [
          "postgresql",
        ],
        "engine": "postgres",
        "engine_version": "16",
        "identifier": "flagstone-staging",
        "instance_class": "db.t4g.micro",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "maintenance_window": "sun:03:30-sun:04:30",
        "manage_master_user_password": true,
        "master_user_secret_kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "max_allocated_storage": 100,
        "multi_az": false,
        "parameter_group_name": "\${aws_db_parameter_group.database_parameters_58B6739C.name}",
        "performance_insights_enabled": false,
        "port": 5432,
        "publicly_accessible": false,
        "skip_final_snapshot": true,
        "storage_encrypted": true,
        "storage_type": "gp3",
        "username": "flagstone_admin",
        "vpc_security_group_ids": Array [
          "\${aws_security_group.security-groups_database_D8550215.id}",
        ],
      },
    },
    "aws_db_parameter_group": Object {
      "database_parameters_58B6739C": Object {
        "description": "flagstone-staging: TLS only, slow statements logged",
        "family": "postgres16",
        "lifecycle": Object {
          "create_before_destroy": true,
        },
        "name": "flagstone-staging-postgres16",
        "parameter": Array [
          Object {
            "name": "rds.force_ssl",
            "value": "1",
          },
          Object {
            "name": "log_min_duration_statement",
            "value": "1000",
          },
        ],
      },
    },
    "aws_db_subnet_group": Object {
      "database_subnets_53A37123": Object {
        "description": "flagstone-staging private subnets",
        "name": "flagstone-staging",
        "subnet_ids": Array [
          "\${aws_subnet.network_private-0_A0649C48.id}",
          "\${aws_subnet.network_private-1_4188AF2B.id}",
        ],
      },
    },
    "aws_ecr_lifecycle_policy": Object {
      "registry_lifecycle_20133E5C": Object {
        "policy": "{\\"rules\\":[{\\"rulePriority\\":1,\\"description\\":\\"Keep the newest 50 images\\",\\"selection\\":{\\"tagStatus\\":\\"any\\",\\"countType\\":\\"imageCountMoreThan\\",\\"countNumber\\":50},\\"action\\":{\\"type\\":\\"expire\\"}}]}",
        "repository": "\${aws_ecr_repository.registry_repository_BAFE171E.name}",
      },
    },
    "aws_ecr_repository": Object {
      "registry_repository_BAFE171E": Object {
        "encryption_configuration": Array [
          Object {
            "encryption_type": "AES256",
          },
        ],
        "force_delete": true,
        "image_scanning_configuration": Object {
          "scan_on_push": true,
        },
        "image_tag_mutability": "IMMUTABLE",
        "name": "flagstone-staging",
      },
    },
    "aws_ecs_cluster": Object {
      "cluster_A4C38409": Object {
        "name": "flagstone-staging",
        "setting": Array [
          Object {
            "name": "containerInsights",
            "value": "enabled",
          },
        ],
      },
    },
    "aws_ecs_service": Object {
      "service_E7C408F2": Object {
        "alarms": Object {
          "alarm_names": Array [
            "\${aws_cloudwatch_metric_alarm.monitoring_http-5xx-rate_DF9DE37F.alarm_name}",
            "\${aws_cloudwatch_metric_alarm.monitoring_p95-latency_D6AE46ED.alarm_name}",
            "\${aws_cloudwatch_metric_alarm.monitoring_unhealthy-targets_3A8B5675.alarm_name}",
            "\${aws_cloudwatch_metric_alarm.monitoring_redis-connection-failures_9A8E5BD5.alarm_name}",
          ],
          "enable": true,
          "rollback": true,
        },
        "cluster": "\${aws_ecs_cluster.cluster_A4C38409.arn}",
        "depends_on": Array [
          "aws_iam_role_policy_attachment.service_load-balancer-role-policy_335DB9A2",
        ],
        "deployment_configuration": Object {
          "bake_time_in_minutes": "5",
          "canary_configuration": Object {
            "canary_bake_time_in_minutes": "10",
            "canary_percent": 5,
          },
          "strategy": "CANARY",
        },
        "deployment_controller": Object {
          "type": "ECS",
        },
        "desired_count": 2,
        "enable_ecs_managed_tags": true,
        "health_check_grace_period_seconds": 60,
        "launch_type": "FARGATE",
        "lifecycle": Object {
          "ignore_changes": Array [
            "desired_count",
            "load_balancer",
          ],
        },
        "load_balancer": Array [
          Object {
            "advanced_configuration": Object {
              "alternate_target_group_arn": "\${aws_lb_target_group.load-balancer_green_EA606101.arn}",
              "production_listener_rule": "\${aws_lb_listener_rule.load-balancer_production_86B27059.arn}",
              "role_arn": "\${aws_iam_role.service_load-balancer-role_532371F0.arn}",
            },
            "container_name": "flagstone",
            "container_port": 3000,
            "target_group_arn": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn}",
          },
          Object {
            "advanced_configuration": Object {
              "alternate_target_group_arn": "\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn}",
              "production_listener_rule": "\${aws_lb_listener_rule.load-balancer_sync-production_07581429.arn}",
              "role_arn": "\${aws_iam_role.service_load-balancer-role_532371F0.arn}",
            },
            "container_name": "flagstone",
            "container_port": 8015,
            "target_group_arn": "\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn}",
          },
        ],
        "name": "flagstone-staging",
        "network_configuration": Object {
          "assign_public_ip": false,
          "security_groups": Array [
            "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
          ],
          "subnets": Array [
            "\${aws_subnet.network_private-0_A0649C48.id}",
            "\${aws_subnet.network_private-1_4188AF2B.id}",
          ],
        },
        "platform_version": "LATEST",
        "propagate_tags": "SERVICE",
        "task_definition": "\${aws_ecs_task_definition.service_task_93374F48.arn}",
      },
    },
    "aws_ecs_task_definition": Object {
      "jobs_db-bootstrap_1535A897": Object {
        "container_definitions": "[{\\"name\\":\\"db-bootstrap\\",\\"image\\":\\"public.ecr.aws/docker/library/postgres:16-alpine\\",\\"essential\\":true,\\"command\\":[\\"sh\\",\\"-c\\",\\"set -eu\\\\npsql -v ON_ERROR_STOP=1 -v app_user=\\\\\\"$APP_DB_USER\\\\\\" -v app_password=\\\\\\"$APP_DB_PASSWORD\\\\\\" -v db_name=\\\\\\"$PGDATABASE\\\\\\" <<'SQL'\\\\nSELECT format('CREATE ROLE %I LOGIN', :'app_user')\\\\n  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \\\\\\\\gexec\\\\nALTER ROLE :\\\\\\"app_user\\\\\\" WITH LOGIN PASSWORD :'app_password';\\\\nGRANT CONNECT, TEMPORARY ON DATABASE :\\\\\\"db_name\\\\\\" TO :\\\\\\"app_user\\\\\\";\\\\nGRANT USAGE, CREATE ON SCHEMA public TO :\\\\\\"app_user\\\\\\";\\\\nSQL\\\\necho \\\\\\"role $APP_DB_USER is ready\\\\\\"\\"],\\"environment\\":[{\\"name\\":\\"APP_DB_USER\\",\\"value\\":\\"flagstone_app\\"},{\\"name\\":\\"PGDATABASE\\",\\"value\\":\\"flagstone\\"},{\\"name\\":\\"PGHOST\\",\\"value\\":\\"\${aws_db_instance.database_postgres_3F7927C4.address}\\"},{\\"name\\":\\"PGPORT\\",\\"value\\":\\"5432\\"},{\\"name\\":\\"PGSSLMODE\\",\\"value\\":\\"require\\"}],\\"secrets\\":[{\\"name\\":\\"APP_DB_PASSWORD\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.database_app-password_value_11C2F531.arn}\\"},{\\"name\\":\\"PGPASSWORD\\",\\"valueFrom\\":\\"\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}:password::\\"},{\\"name\\":\\"PGUSER\\",\\"valueFrom\\":\\"\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}:username::\\"}],\\"linuxParameters\\":{\\"initProcessEnabled\\":true},\\"stopTimeout\\":30,\\"logConfiguration\\":{\\"logDriver\\":\\"awslogs\\",\\"options\\":{\\"awslogs-group\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}\\",\\"awslogs-region\\":\\"eu-west-1\\",\\"awslogs-stream-prefix\\":\\"db-bootstrap\\",\\"mode\\":\\"non-blocking\\",\\"max-buffer-size\\":\\"25m\\"}}}]",
        "cpu": "256",
        "execution_role_arn": "\${aws_iam_role.jobs_bootstrap-execution-role_01EEC82E.arn}",
        "family": "flagstone-staging-db-bootstrap",
        "memory": "512",
        "network_mode": "awsvpc",
        "requires_compatibilities": Array [
          "FARGATE",
        ],
        "runtime_platform": Object {
          "cpu_architecture": "ARM64",
          "operating_system_family": "LINUX",
        },
      },
      "jobs_migrate_10B0C5B9": Object {
        "container_definitions": "[{\\"name\\":\\"migrate\\",\\"image\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.repository_url}:\${var.image_tag}-migrate\\",\\"essential\\":true,\\"environment\\":[],\\"secrets\\":[{\\"name\\":\\"DATABASE_URL\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\"}],\\"linuxParameters\\":{\\"initProcessEnabled\\":true},\\"stopTimeout\\":120,\\"logConfiguration\\":{\\"logDriver\\":\\"awslogs\\",\\"options\\":{\\"awslogs-group\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}\\",\\"awslogs-region\\":\\"eu-west-1\\",\\"awslogs-stream-prefix\\":\\"migrate\\",\\"mode\\":\\"non-blocking\\",\\"max-buffer-size\\":\\"25m\\"}}}]",
        "cpu": "256",
        "execution_role_arn": "\${aws_iam_role.jobs_migrate-execution-role_B030470C.arn}",
        "family": "flagstone-staging-migrate",
        "memory": "512",
        "network_mode": "awsvpc",
        "requires_compatibilities": Array [
          "FARGATE",
        ],
        "runtime_platform": Object {
          "cpu_architecture": "ARM64",
          "operating_system_family": "LINUX",
        },
      },
      "service_task_93374F48": Object {
        "container_definitions": "[{\\"name\\":\\"flagstone\\",\\"image\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.repository_url}:\${var.image_tag}\\",\\"essential\\":true,\\"portMappings\\":[{\\"name\\":\\"http\\",\\"containerPort\\":3000,\\"protocol\\":\\"tcp\\"},{\\"name\\":\\"grpc\\",\\"containerPort\\":8015,\\"protocol\\":\\"tcp\\"}],\\"environment\\":[{\\"name\\":\\"DEFAULT_ENVIRONMENT\\",\\"value\\":\\"production\\"},{\\"name\\":\\"HOST\\",\\"value\\":\\"0.0.0.0\\"},{\\"name\\":\\"KEEP_ALIVE_TIMEOUT_SECONDS\\",\\"value\\":\\"915\\"},{\\"name\\":\\"METRICS_EMF\\",\\"value\\":\\"on\\"},{\\"name\\":\\"PORT\\",\\"value\\":\\"3000\\"},{\\"name\\":\\"REDIS_URL\\",\\"value\\":\\"rediss://\${aws_elasticache_replication_group.cache_redis_F9D2CAF5.primary_endpoint_address}:6379\\"},{\\"name\\":\\"SERVICE_NAME\\",\\"value\\":\\"flagstone-staging\\"},{\\"name\\":\\"SYNC_PORT\\",\\"value\\":\\"8015\\"},{\\"name\\":\\"TRUSTED_PROXY_HOPS\\",\\"value\\":\\"1\\"},{\\"name\\":\\"WARM_ENVIRONMENTS\\",\\"value\\":\\"production\\"}],\\"secrets\\":[{\\"name\\":\\"ADMIN_TOKEN\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.admin-token_value_42B83CBC.arn}\\"},{\\"name\\":\\"DATABASE_URL\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\"},{\\"name\\":\\"EVENTS_SIGNING_KEY\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.events-signing-key_value_7A4AC685.arn}\\"},{\\"name\\":\\"REDIS_AUTH_TOKEN\\",\\"valueFrom\\":\\"\${aws_secretsmanager_secret_version.cache_auth-token_value_567E9DA9.arn}\\"}],\\"healthCheck\\":{\\"command\\":[\\"CMD\\",\\"node\\",\\"-e\\",\\"fetch('http://127.0.0.1:3000/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))\\"],\\"interval\\":10,\\"timeout\\":5,\\"retries\\":3,\\"startPeriod\\":30},\\"linuxParameters\\":{\\"initProcessEnabled\\":true},\\"stopTimeout\\":30,\\"logConfiguration\\":{\\"logDriver\\":\\"awslogs\\",\\"options\\":{\\"awslogs-group\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.name}\\",\\"awslogs-region\\":\\"eu-west-1\\",\\"awslogs-stream-prefix\\":\\"service\\",\\"mode\\":\\"non-blocking\\",\\"max-buffer-size\\":\\"25m\\"}}}]",
        "cpu": "512",
        "execution_role_arn": "\${aws_iam_role.service_execution-role_C3456AA3.arn}",
        "family": "flagstone-staging",
        "memory": "1024",
        "network_mode": "awsvpc",
        "requires_compatibilities": Array [
          "FARGATE",
        ],
        "runtime_platform": Object {
          "cpu_architecture": "ARM64",
          "operating_system_family": "LINUX",
        },
        "task_role_arn": "\${aws_iam_role.service_task-role_58F5AF4F.arn}",
      },
    },
    "aws_eip": Object {
      "network_nat-0-ip_0D2E91DB": Object {
        "domain": "vpc",
        "tags": Object {
          "Name": "flagstone-staging-nat-0",
        },
      },
    },
    "aws_elasticache_replication_group": Object {
      "cache_redis_F9D2CAF5": Object {
        "apply_immediately": false,
        "at_rest_encryption_enabled": "true",
        "auth_token": "\${aws_secretsmanager_secret_version.cache_auth-token_value_567E9DA9.secret_string}",
        "auth_token_update_strategy": "ROTATE",
        "auto_minor_version_upgrade": "true",
        "automatic_failover_enabled": true,
        "description": "flagstone-staging flag cache",
        "engine": "redis",
        "engine_version": "7.1",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "maintenance_window": "sun:04:30-sun:05:30",
        "multi_az_enabled": true,
        "node_type": "cache.t4g.micro",
        "num_cache_clusters": 2,
        "parameter_group_name": "default.redis7",
        "port": 6379,
        "preferred_cache_cluster_azs": Array [
          "eu-west-1a",
          "eu-west-1b",
        ],
        "replication_group_id": "flagstone-staging",
        "security_group_ids": Array [
          "\${aws_security_group.security-groups_redis_E46A7652.id}",
        ],
        "snapshot_retention_limit": 1,
        "snapshot_window": "03:00-04:00",
        "subnet_group_name": "\${aws_elasticache_subnet_group.cache_subnets_C4370C03.name}",
        "transit_encryption_enabled": true,
        "transit_encryption_mode": "required",
      },
    },
    "aws_elasticache_subnet_group": Object {
      "cache_subnets_C4370C03": Object {
        "description": "flagstone-staging private subnets",
        "name": "flagstone-staging",
        "subnet_ids": Array [
          "\${aws_subnet.network_private-0_A0649C48.id}",
          "\${aws_subnet.network_private-1_4188AF2B.id}",
        ],
      },
    },
    "aws_flow_log": Object {
      "network_flow-log_4CEF6CCF": Object {
        "iam_role_arn": "\${aws_iam_role.network_flow-logs-role_8074155A.arn}",
        "log_destination": "\${aws_cloudwatch_log_group.network_flow-logs_D7C94307.arn}",
        "log_destination_type": "cloud-watch-logs",
        "max_aggregation_interval": 60,
        "tags": Object {
          "Name": "flagstone-staging",
        },
        "traffic_type": "ALL",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_iam_role": Object {
      "jobs_bootstrap-execution-role_01EEC82E": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"111111111111\\"}}}]}",
        "description": "ECS task execution: image pull, logs, and the task secrets",
        "name": "flagstone-staging-db-bootstrap-execution",
      },
      "jobs_migrate-execution-role_B030470C": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"111111111111\\"}}}]}",
        "description": "ECS task execution: image pull, logs, and the task secrets",
        "name": "flagstone-staging-migrate-execution",
      },
      "network_flow-logs-role_8074155A": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"vpc-flow-logs.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"111111111111\\"}}}]}",
        "name": "flagstone-staging-vpc-flow-logs",
      },
      "service_execution-role_C3456AA3": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"111111111111\\"}}}]}",
        "description": "ECS task execution: image pull, logs, and the task secrets",
        "name": "flagstone-staging-execution",
      },
      "service_load-balancer-role_532371F0": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\"}]}",
        "description": "Lets ECS shift traffic between the blue and green target groups",
        "name": "flagstone-staging-ecs-load-balancers",
      },
      "service_task-role_58F5AF4F": Object {
        "assume_role_policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":\\"ecs-tasks.amazonaws.com\\"},\\"Action\\":\\"sts:AssumeRole\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"111111111111\\"}}}]}",
        "description": "Flagstone service task: no AWS permissions needed",
        "name": "flagstone-staging-task",
      },
    },
    "aws_iam_role_policy": Object {
      "jobs_bootstrap-execution-role-policy_36103258": Object {
        "name": "task-execution",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"WriteLogs\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\"],\\"Resource\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.arn}:log-stream:*\\"},{\\"Sid\\":\\"ReadTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"secretsmanager:GetSecretValue\\",\\"Resource\\":[\\"\${aws_db_instance.database_postgres_3F7927C4.master_user_secret[0].secret_arn}\\",\\"\${aws_secretsmanager_secret_version.database_app-password_value_11C2F531.arn}\\"]},{\\"Sid\\":\\"DecryptTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"kms:Decrypt\\",\\"Resource\\":\\"\${aws_kms_key.encryption_key_EEB70057.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"kms:ViaService\\":\\"secretsmanager.eu-west-1.amazonaws.com\\"}}}]}",
        "role": "\${aws_iam_role.jobs_bootstrap-execution-role_01EEC82E.id}",
      },
      "jobs_migrate-execution-role-policy_FC25FD89": Object {
        "name": "task-execution",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"EcrLogin\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"ecr:GetAuthorizationToken\\",\\"Resource\\":\\"*\\"},{\\"Sid\\":\\"PullImage\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"ecr:BatchCheckLayerAvailability\\",\\"ecr:GetDownloadUrlForLayer\\",\\"ecr:BatchGetImage\\"],\\"Resource\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.arn}\\"},{\\"Sid\\":\\"WriteLogs\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\"],\\"Resource\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.arn}:log-stream:*\\"},{\\"Sid\\":\\"ReadTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"secretsmanager:GetSecretValue\\",\\"Resource\\":[\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\"]},{\\"Sid\\":\\"DecryptTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"kms:Decrypt\\",\\"Resource\\":\\"\${aws_kms_key.encryption_key_EEB70057.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"kms:ViaService\\":\\"secretsmanager.eu-west-1.amazonaws.com\\"}}}]}",
        "role": "\${aws_iam_role.jobs_migrate-execution-role_B030470C.id}",
      },
      "network_flow-logs-policy_C5B6AD10": Object {
        "name": "write-flow-logs",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\",\\"logs:DescribeLogStreams\\"],\\"Resource\\":[\\"\${aws_cloudwatch_log_group.network_flow-logs_D7C94307.arn}\\",\\"\${aws_cloudwatch_log_group.network_flow-logs_D7C94307.arn}:log-stream:*\\"]},{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"logs:DescribeLogGroups\\",\\"Resource\\":\\"*\\"}]}",
        "role": "\${aws_iam_role.network_flow-logs-role_8074155A.id}",
      },
      "service_execution-role-policy_D242786D": Object {
        "name": "task-execution",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"EcrLogin\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"ecr:GetAuthorizationToken\\",\\"Resource\\":\\"*\\"},{\\"Sid\\":\\"PullImage\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"ecr:BatchCheckLayerAvailability\\",\\"ecr:GetDownloadUrlForLayer\\",\\"ecr:BatchGetImage\\"],\\"Resource\\":\\"\${aws_ecr_repository.registry_repository_BAFE171E.arn}\\"},{\\"Sid\\":\\"WriteLogs\\",\\"Effect\\":\\"Allow\\",\\"Action\\":[\\"logs:CreateLogStream\\",\\"logs:PutLogEvents\\"],\\"Resource\\":\\"\${aws_cloudwatch_log_group.cluster_logs_1669D170.arn}:log-stream:*\\"},{\\"Sid\\":\\"ReadTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"secretsmanager:GetSecretValue\\",\\"Resource\\":[\\"\${aws_secretsmanager_secret_version.database_url-value_9F650D05.arn}\\",\\"\${aws_secretsmanager_secret_version.cache_auth-token_value_567E9DA9.arn}\\",\\"\${aws_secretsmanager_secret_version.admin-token_value_42B83CBC.arn}\\",\\"\${aws_secretsmanager_secret_version.events-signing-key_value_7A4AC685.arn}\\"]},{\\"Sid\\":\\"DecryptTaskSecrets\\",\\"Effect\\":\\"Allow\\",\\"Action\\":\\"kms:Decrypt\\",\\"Resource\\":\\"\${aws_kms_key.encryption_key_EEB70057.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"kms:ViaService\\":\\"secretsmanager.eu-west-1.amazonaws.com\\"}}}]}",
        "role": "\${aws_iam_role.service_execution-role_C3456AA3.id}",
      },
    },
    "aws_iam_role_policy_attachment": Object {
      "service_load-balancer-role-policy_335DB9A2": Object {
        "policy_arn": "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
        "role": "\${aws_iam_role.service_load-balancer-role_532371F0.name}",
      },
    },
    "aws_internet_gateway": Object {
      "network_igw_5DF1EDA1": Object {
        "tags": Object {
          "Name": "flagstone-staging",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_kms_alias": Object {
      "encryption_alias_F6F0D85B": Object {
        "name": "alias/flagstone-staging",
        "target_key_id": "\${aws_kms_key.encryption_key_EEB70057.key_id}",
      },
    },
    "aws_kms_key": Object {
      "encryption_key_EEB70057": Object {
        "deletion_window_in_days": 30,
        "description": "flagstone-staging: secrets, database, cache and alarm topic",
        "enable_key_rotation": true,
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"AccountAdministersThroughIam\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"AWS\\":\\"arn:aws:iam::111111111111:root\\"},\\"Action\\":\\"kms:*\\",\\"Resource\\":\\"*\\"},{\\"Sid\\":\\"AlarmAndBudgetNotificationsToEncryptedTopic\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":[\\"cloudwatch.amazonaws.com\\",\\"budgets.amazonaws.com\\"]},\\"Action\\":[\\"kms:Decrypt\\",\\"kms:GenerateDataKey*\\"],\\"Resource\\":\\"*\\"}]}",
      },
    },
    "aws_lb": Object {
      "load-balancer_alb_15AADC07": Object {
        "drop_invalid_header_fields": true,
        "enable_deletion_protection": false,
        "idle_timeout": 900,
        "internal": true,
        "load_balancer_type": "application",
        "name": "flagstone-staging",
        "security_groups": Array [
          "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        ],
        "subnets": Array [
          "\${aws_subnet.network_public-0_A4E682E0.id}",
          "\${aws_subnet.network_public-1_8D79547B.id}",
        ],
      },
    },
    "aws_lb_listener": Object {
      "load-balancer_http_44626CBC": Object {
        "default_action": Array [
          Object {
            "redirect": Object {
              "port": "443",
              "protocol": "HTTPS",
              "status_code": "HTTP_301",
            },
            "type": "redirect",
          },
        ],
        "load_balancer_arn": "\${aws_lb.load-balancer_alb_15AADC07.arn}",
        "port": 80,
        "protocol": "HTTP",
      },
      "load-balancer_https_7F5E2DEF": Object {
        "certificate_arn": "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000",
        "default_action": Array [
          Object {
            "fixed_response": Object {
              "content_type": "text/plain",
              "message_body": "Not found",
              "status_code": "404",
            },
            "type": "fixed-response",
          },
        ],
        "load_balancer_arn": "\${aws_lb.load-balancer_alb_15AADC07.arn}",
        "port": 443,
        "protocol": "HTTPS",
        "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      },
      "load-balancer_sync_2E6B3443": Object {
        "certificate_arn": "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000",
        "default_action": Array [
          Object {
            "fixed_response": Object {
              "content_type": "text/plain",
              "message_body": "Not found",
              "status_code": "404",
            },
            "type": "fixed-response",
          },
        ],
        "load_balancer_arn": "\${aws_lb.load-balancer_alb_15AADC07.arn}",
        "port": 8015,
        "protocol": "HTTPS",
        "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      },
    },
    "aws_lb_listener_rule": Object {
      "load-balancer_block-metrics_B1F1C565": Object {
        "action": Array [
          Object {
            "fixed_response": Object {
              "content_type": "text/plain",
              "message_body": "Not found",
              "status_code": "404",
            },
            "type": "fixed-response",
          },
        ],
        "condition": Array [
          Object {
            "path_pattern": Object {
              "values": Array [
                "/metrics",
                "/metrics/*",
              ],
            },
          },
        ],
        "listener_arn": "\${aws_lb_listener.load-balancer_https_7F5E2DEF.arn}",
        "priority": 1,
      },
      "load-balancer_production_86B27059": Object {
        "action": Array [
          Object {
            "forward": Object {
              "target_group": Array [
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_blue_86851F4E.arn}",
                  "weight": 100,
                },
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_green_EA606101.arn}",
                  "weight": 0,
                },
              ],
            },
            "type": "forward",
          },
        ],
        "condition": Array [
          Object {
            "path_pattern": Object {
              "values": Array [
                "/api/*",
                "/ofrep/*",
                "/ui*",
              ],
            },
          },
        ],
        "lifecycle": Object {
          "ignore_changes": Array [
            "action",
          ],
        },
        "listener_arn": "\${aws_lb_listener.load-balancer_https_7F5E2DEF.arn}",
        "priority": 10,
      },
      "load-balancer_sync-production_07581429": Object {
        "action": Array [
          Object {
            "forward": Object {
              "target_group": Array [
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_sync-blue_5D808BF2.arn}",
                  "weight": 100,
                },
                Object {
                  "arn": "\${aws_lb_target_group.load-balancer_sync-green_170E4B39.arn}",
                  "weight": 0,
                },
              ],
            },
            "type": "forward",
          },
        ],
        "condition": Array [
          Object {
            "path_pattern": Object {
              "values": Array [
                "/flagd.sync.v1.FlagSyncService/*",
              ],
            },
          },
        ],
        "lifecycle": Object {
          "ignore_changes": Array [
            "action",
          ],
        },
        "listener_arn": "\${aws_lb_listener.load-balancer_sync_2E6B3443.arn}",
        "priority": 10,
      },
    },
    "aws_lb_target_group": Object {
      "load-balancer_blue_86851F4E": Object {
        "deregistration_delay": "30",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "200",
          "path": "/health/ready",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-staging-blue",
        "port": 3000,
        "protocol": "HTTP",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "load-balancer_green_EA606101": Object {
        "deregistration_delay": "30",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "200",
          "path": "/health/ready",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-staging-green",
        "port": 3000,
        "protocol": "HTTP",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "load-balancer_sync-blue_5D808BF2": Object {
        "deregistration_delay": "15",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "0",
          "path": "/grpc.health.v1.Health/Check",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-staging-sync-blue",
        "port": 8015,
        "protocol": "HTTP",
        "protocol_version": "GRPC",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "load-balancer_sync-green_170E4B39": Object {
        "deregistration_delay": "15",
        "health_check": Object {
          "enabled": true,
          "healthy_threshold": 2,
          "interval": 15,
          "matcher": "0",
          "path": "/grpc.health.v1.Health/Check",
          "port": "traffic-port",
          "protocol": "HTTP",
          "timeout": 5,
          "unhealthy_threshold": 3,
        },
        "name": "flagstone-staging-sync-green",
        "port": 8015,
        "protocol": "HTTP",
        "protocol_version": "GRPC",
        "target_type": "ip",
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_nat_gateway": Object {
      "network_nat-0_D2F55FEE": Object {
        "allocation_id": "\${aws_eip.network_nat-0-ip_0D2E91DB.id}",
        "depends_on": Array [
          "aws_internet_gateway.network_igw_5DF1EDA1",
        ],
        "subnet_id": "\${aws_subnet.network_public-0_A4E682E0.id}",
        "tags": Object {
          "Name": "flagstone-staging-nat-0",
        },
      },
    },
    "aws_route": Object {
      "network_private-0-default-route_386F73E8": Object {
        "destination_cidr_block": "0.0.0.0/0",
        "nat_gateway_id": "\${aws_nat_gateway.network_nat-0_D2F55FEE.id}",
        "route_table_id": "\${aws_route_table.network_private-0-routes-table_AB638FB0.id}",
      },
      "network_private-1-default-route_AD127BD6": Object {
        "destination_cidr_block": "0.0.0.0/0",
        "nat_gateway_id": "\${aws_nat_gateway.network_nat-0_D2F55FEE.id}",
        "route_table_id": "\${aws_route_table.network_private-1-routes-table_A982373C.id}",
      },
      "network_public-default-route_9AB86AC6": Object {
        "destination_cidr_block": "0.0.0.0/0",
        "gateway_id": "\${aws_internet_gateway.network_igw_5DF1EDA1.id}",
        "route_table_id": "\${aws_route_table.network_public-routes_309B7EF4.id}",
      },
    },
    "aws_route_table": Object {
      "network_private-0-routes-table_AB638FB0": Object {
        "tags": Object {
          "Name": "flagstone-staging-private-eu-west-1a",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_private-1-routes-table_A982373C": Object {
        "tags": Object {
          "Name": "flagstone-staging-private-eu-west-1b",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_public-routes_309B7EF4": Object {
        "tags": Object {
          "Name": "flagstone-staging-public",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_route_table_association": Object {
      "network_private-0-routes_C03CB896": Object {
        "route_table_id": "\${aws_route_table.network_private-0-routes-table_AB638FB0.id}",
        "subnet_id": "\${aws_subnet.network_private-0_A0649C48.id}",
      },
      "network_private-1-routes_4F11009D": Object {
        "route_table_id": "\${aws_route_table.network_private-1-routes-table_A982373C.id}",
        "subnet_id": "\${aws_subnet.network_private-1_4188AF2B.id}",
      },
      "network_public-0-routes_8FF525C9": Object {
        "route_table_id": "\${aws_route_table.network_public-routes_309B7EF4.id}",
        "subnet_id": "\${aws_subnet.network_public-0_A4E682E0.id}",
      },
      "network_public-1-routes_D05B99C8": Object {
        "route_table_id": "\${aws_route_table.network_public-routes_309B7EF4.id}",
        "subnet_id": "\${aws_subnet.network_public-1_8D79547B.id}",
      },
    },
    "aws_secretsmanager_secret": Object {
      "admin-token_secret_5384AB57": Object {
        "description": "ADMIN_TOKEN: the service sets the \`bootstrap\` admin token to this value at every start",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-staging/admin-token",
        "recovery_window_in_days": 0,
      },
      "cache_auth-token_secret_7918EF2A": Object {
        "description": "Flagstone Redis AUTH token (REDIS_AUTH_TOKEN)",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-staging/redis-auth-token",
        "recovery_window_in_days": 0,
      },
      "database_app-password_secret_0DC51FC4": Object {
        "description": "Password of the PostgreSQL role flagstone_app",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-staging/database-app-password",
        "recovery_window_in_days": 0,
      },
      "database_url_36F6B158": Object {
        "description": "DATABASE_URL for the service and the migrations (role flagstone_app)",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-staging/database-url",
        "recovery_window_in_days": 0,
      },
      "events-signing-key_secret_2EA1AAF3": Object {
        "description": "EVENTS_SIGNING_KEY: signs event-stream tickets; every task must have the same one",
        "kms_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-staging/events-signing-key",
        "recovery_window_in_days": 0,
      },
    },
    "aws_secretsmanager_secret_version": Object {
      "admin-token_value_42B83CBC": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.admin-token_secret_5384AB57.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.admin-token_generated_6331C829.random_password}",
      },
      "cache_auth-token_value_567E9DA9": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.cache_auth-token_secret_7918EF2A.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.cache_auth-token_generated_79721759.random_password}",
      },
      "database_app-password_value_11C2F531": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.database_app-password_secret_0DC51FC4.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.database_app-password_generated_4AC28315.random_password}",
      },
      "database_url-value_9F650D05": Object {
        "secret_id": "\${aws_secretsmanager_secret.database_url_36F6B158.id}",
        "secret_string": "postgresql://flagstone_app:\${aws_secretsmanager_secret_version.database_app-password_value_11C2F531.secret_string}@\${aws_db_instance.database_postgres_3F7927C4.address}:5432/flagstone?sslmode=require&uselibpqcompat=true",
      },
      "events-signing-key_value_7A4AC685": Object {
        "lifecycle": Object {
          "ignore_changes": Array [
            "secret_string",
            "version_stages",
          ],
        },
        "secret_id": "\${aws_secretsmanager_secret.events-signing-key_secret_2EA1AAF3.id}",
        "secret_string": "\${data.aws_secretsmanager_random_password.events-signing-key_generated_D76E12AC.random_password}",
      },
    },
    "aws_security_group": Object {
      "security-groups_alb_EE3942E0": Object {
        "description": "Flagstone load balancer: HTTPS (and the HTTP redirect) from allowed clients",
        "name": "flagstone-staging-alb",
        "tags": Object {
          "Name": "flagstone-staging-alb",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_database_D8550215": Object {
        "description": "Flagstone PostgreSQL: 5432 from the service and the one-off tasks",
        "name": "flagstone-staging-database",
        "tags": Object {
          "Name": "flagstone-staging-database",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_jobs_04FCCD9D": Object {
        "description": "Flagstone one-off tasks: migrations and database bootstrap",
        "name": "flagstone-staging-jobs",
        "tags": Object {
          "Name": "flagstone-staging-jobs",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_redis_E46A7652": Object {
        "description": "Flagstone Redis: 6379 from the service",
        "name": "flagstone-staging-redis",
        "tags": Object {
          "Name": "flagstone-staging-redis",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "security-groups_service_9D1C9FB8": Object {
        "description": "Flagstone service tasks: the service port from the load balancer",
        "name": "flagstone-staging-service",
        "tags": Object {
          "Name": "flagstone-staging-service",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_sns_topic": Object {
      "monitoring_topic_631C3BE1": Object {
        "kms_master_key_id": "\${aws_kms_key.encryption_key_EEB70057.arn}",
        "name": "flagstone-staging-alarms",
      },
    },
    "aws_sns_topic_policy": Object {
      "monitoring_topic-policy_CB9CD838": Object {
        "arn": "\${aws_sns_topic.monitoring_topic_631C3BE1.arn}",
        "policy": "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Sid\\":\\"AccountManagesTopic\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"AWS\\":\\"arn:aws:iam::111111111111:root\\"},\\"Action\\":[\\"sns:Publish\\",\\"sns:Subscribe\\",\\"sns:GetTopicAttributes\\",\\"sns:SetTopicAttributes\\"],\\"Resource\\":\\"\${aws_sns_topic.monitoring_topic_631C3BE1.arn}\\"},{\\"Sid\\":\\"AlarmsAndBudgetsPublish\\",\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"Service\\":[\\"cloudwatch.amazonaws.com\\",\\"budgets.amazonaws.com\\"]},\\"Action\\":\\"sns:Publish\\",\\"Resource\\":\\"\${aws_sns_topic.monitoring_topic_631C3BE1.arn}\\",\\"Condition\\":{\\"StringEquals\\":{\\"aws:SourceAccount\\":\\"111111111111\\"}}}]}",
      },
    },
    "aws_subnet": Object {
      "network_private-0_A0649C48": Object {
        "availability_zone": "eu-west-1a",
        "cidr_block": "10.40.64.0/18",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-staging-private-eu-west-1a",
          "Tier": "private",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_private-1_4188AF2B": Object {
        "availability_zone": "eu-west-1b",
        "cidr_block": "10.40.128.0/18",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-staging-private-eu-west-1b",
          "Tier": "private",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_public-0_A4E682E0": Object {
        "availability_zone": "eu-west-1a",
        "cidr_block": "10.40.0.0/20",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-staging-public-eu-west-1a",
          "Tier": "public",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
      "network_public-1_8D79547B": Object {
        "availability_zone": "eu-west-1b",
        "cidr_block": "10.40.16.0/20",
        "map_public_ip_on_launch": false,
        "tags": Object {
          "Name": "flagstone-staging-public-eu-west-1b",
          "Tier": "public",
        },
        "vpc_id": "\${aws_vpc.network_vpc_4E8F0223.id}",
      },
    },
    "aws_vpc": Object {
      "network_vpc_4E8F0223": Object {
        "cidr_block": "10.40.0.0/16",
        "enable_dns_hostnames": true,
        "enable_dns_support": true,
        "tags": Object {
          "Name": "flagstone-staging",
        },
      },
    },
    "aws_vpc_security_group_egress_rule": Object {
      "security-groups_alb-to-service-out_1E335458": Object {
        "description": "to the service port",
        "from_port": 3000,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 3000,
      },
      "security-groups_alb-to-service-sync-out_D2AF4907": Object {
        "description": "to the sync port",
        "from_port": 8015,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 8015,
      },
      "security-groups_jobs-https-out_5A76450D": Object {
        "cidr_ipv4": "0.0.0.0/0",
        "description": "HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs) through NAT",
        "from_port": 443,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
        "to_port": 443,
      },
      "security-groups_jobs-to-database-out_0BEA567D": Object {
        "description": "to PostgreSQL",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "security_group_id": "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
        "to_port": 5432,
      },
      "security-groups_service-https-out_CA6C0A89": Object {
        "cidr_ipv4": "0.0.0.0/0",
        "description": "HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs) through NAT",
        "from_port": 443,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 443,
      },
      "security-groups_service-to-database-out_3304ED18": Object {
        "description": "to PostgreSQL",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 5432,
      },
      "security-groups_service-to-redis-out_5533130E": Object {
        "description": "to Redis",
        "from_port": 6379,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_redis_E46A7652.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 6379,
      },
    },
    "aws_vpc_security_group_ingress_rule": Object {
      "security-groups_alb-in-443-0_5461ECDB": Object {
        "cidr_ipv4": "10.40.0.0/16",
        "description": "HTTPS from 10.40.0.0/16",
        "from_port": 443,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 443,
      },
      "security-groups_alb-in-80-0_20ADB6A9": Object {
        "cidr_ipv4": "10.40.0.0/16",
        "description": "HTTP (redirected to HTTPS) from 10.40.0.0/16",
        "from_port": 80,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 80,
      },
      "security-groups_alb-in-8015-0_55C0092D": Object {
        "cidr_ipv4": "10.40.0.0/16",
        "description": "flagd sync (gRPC over TLS) from 10.40.0.0/16",
        "from_port": 8015,
        "ip_protocol": "tcp",
        "security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "to_port": 8015,
      },
      "security-groups_alb-to-service-in_5BC8C2ED": Object {
        "description": "the service port from the alb group",
        "from_port": 3000,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 3000,
      },
      "security-groups_alb-to-service-sync-in_CFB78009": Object {
        "description": "the sync port from the alb group",
        "from_port": 8015,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_alb_EE3942E0.id}",
        "security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "to_port": 8015,
      },
      "security-groups_jobs-to-database-in_CE65EE3D": Object {
        "description": "PostgreSQL from the jobs group",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_jobs_04FCCD9D.id}",
        "security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "to_port": 5432,
      },
      "security-groups_service-to-database-in_9ADE30E2": Object {
        "description": "PostgreSQL from the service group",
        "from_port": 5432,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_database_D8550215.id}",
        "to_port": 5432,
      },
      "security-groups_service-to-redis-in_84953C2C": Object {
        "description": "Redis from the service group",
        "from_port": 6379,
        "ip_protocol": "tcp",
        "referenced_security_group_id": "\${aws_security_group.security-groups_service_9D1C9FB8.id}",
        "security_group_id": "\${aws_security_group.security-groups_redis_E46A7652.id}",
        "to_port": 6379,
      },
    },
  },
  "terraform": Object {
    "backend": Object {
      "s3": Object {
        "bucket": "flagstone-tfstate-111111111111",
        "encrypt": true,
        "key": "flagstone/staging/terraform.tfstate",
        "region": "eu-west-1",
        "use_lockfile": true,
      },
    },
    "required_providers": Object {
      "aws": Object {
        "source": "aws",
        "version": "6.25.0",
      },
    },
    "required_version": ">= 1.11.0",
  },
  "variable": Object {
    "image_tag": Object {
      "description": "The image tag to deploy: the service image is <repository>:<tag>, the migrations <repository>:<tag>-migrate.",
      "nullable": false,
      "type": "string",
      "validation": Array [
        Object {
          "condition": "\${can(regex(\\"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$\\", var.image_tag)) && var.image_tag != \\"latest\\"}",
          "error_message": "image_tag must be an immutable tag such as a git SHA or a version (not \\"latest\\").",
        },
      ],
    },
  },
}
`
