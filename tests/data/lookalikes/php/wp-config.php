<?php
define( 'DB_NAME', getenv('WORDPRESS_DB_NAME') );
define( 'DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD') );
define( 'AUTH_KEY', getenv('WORDPRESS_AUTH_KEY') );
define( 'SECURE_AUTH_KEY', 'put your unique phrase here' );
